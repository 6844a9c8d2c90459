// Candles (exact OHLCV) and the rolling 24 h ticker, folded trade by trade.
import type { TickerEvent } from '@flowex/bus';
import type { CandleInterval } from '@flowex/db';
import { fromAtoms } from './units.ts';

export const INTERVALS: readonly { name: CandleInterval; ms: number }[] = [
  { name: 'ONE_MINUTE', ms: 60_000 },
  { name: 'FIVE_MINUTES', ms: 300_000 },
  { name: 'FIFTEEN_MINUTES', ms: 900_000 },
  { name: 'ONE_HOUR', ms: 3_600_000 },
  { name: 'FOUR_HOURS', ms: 14_400_000 },
  { name: 'ONE_DAY', ms: 86_400_000 },
];

export interface TradeTick {
  seq: number;
  price: bigint;
  quantity: bigint;
  quote: bigint;
  at: number;
}

export interface CandleDelta {
  interval: CandleInterval;
  openTime: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  tradeCount: number;
  lastSeq: number;
}

/** Per (interval, openTime) aggregate of a batch's trades (in sequence order). */
export function candleDeltas(trades: readonly TradeTick[]): CandleDelta[] {
  const out = new Map<string, CandleDelta>();
  // A batch's trades share one time (the batch's): each run of trades at the same time is
  // summed once, then merged into its candle of every interval (not six times per trade).
  for (let i = 0; i < trades.length; ) {
    const first = trades[i]!;
    let high = first.price;
    let low = first.price;
    let volume = 0n;
    let quoteVolume = 0n;
    let j = i;
    for (; j < trades.length && trades[j]!.at === first.at; j++) {
      const t = trades[j]!;
      if (t.price > high) high = t.price;
      if (t.price < low) low = t.price;
      volume += t.quantity;
      quoteVolume += t.quote;
    }
    const last = trades[j - 1]!;
    for (const iv of INTERVALS) {
      const openTime = Math.floor(first.at / iv.ms) * iv.ms;
      const key = `${iv.name}:${openTime}`;
      const c = out.get(key);
      if (!c) {
        out.set(key, {
          interval: iv.name,
          openTime,
          open: first.price,
          high,
          low,
          close: last.price,
          volume,
          quoteVolume,
          tradeCount: j - i,
          lastSeq: last.seq,
        });
        continue;
      }
      if (high > c.high) c.high = high;
      if (low < c.low) c.low = low;
      c.close = last.price;
      c.volume += volume;
      c.quoteVolume += quoteVolume;
      c.tradeCount += j - i;
      c.lastSeq = last.seq;
    }
    i = j;
  }
  return [...out.values()];
}

interface Bucket {
  minute: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  count: number;
}

/** What `ticker:<market>` carries. */
export type TickerView = TickerEvent;

/** 24 h rolling ticker at one-minute resolution (what the 1m candles give after a restart). */
export class Ticker {
  private buckets: Bucket[] = [];
  private last: bigint | null = null;

  constructor(readonly marketSymbol: string) {}

  /** Seed from 1m candles (oldest first). */
  seed(candles: readonly CandleDelta[]): void {
    for (const c of candles) {
      this.buckets.push({
        minute: c.openTime,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        quoteVolume: c.quoteVolume,
        count: c.tradeCount,
      });
      this.last = c.close;
    }
  }

  add(t: TradeTick): void {
    const minute = Math.floor(t.at / 60_000) * 60_000;
    const b = this.buckets.at(-1);
    if (b && b.minute === minute) {
      if (t.price > b.high) b.high = t.price;
      if (t.price < b.low) b.low = t.price;
      b.close = t.price;
      b.volume += t.quantity;
      b.quoteVolume += t.quote;
      b.count += 1;
    } else {
      this.buckets.push({
        minute,
        open: t.price,
        high: t.price,
        low: t.price,
        close: t.price,
        volume: t.quantity,
        quoteVolume: t.quote,
        count: 1,
      });
    }
    this.last = t.price;
  }

  view(now = Date.now()): TickerView {
    const start = Math.floor((now - 86_400_000) / 60_000) * 60_000;
    while (this.buckets.length > 0 && this.buckets[0]!.minute < start) this.buckets.shift();
    let high: bigint | null = null;
    let low: bigint | null = null;
    let volume = 0n;
    let quoteVolume = 0n;
    let count = 0;
    for (const b of this.buckets) {
      if (high === null || b.high > high) high = b.high;
      if (low === null || b.low < low) low = b.low;
      volume += b.volume;
      quoteVolume += b.quoteVolume;
      count += b.count;
    }
    const open = this.buckets[0]?.open ?? null;
    const s = (v: bigint | null) => (v === null ? null : fromAtoms(v));
    return {
      marketSymbol: this.marketSymbol,
      lastPrice: s(this.last),
      open: s(open),
      high: s(high),
      low: s(low),
      volume: fromAtoms(volume),
      quoteVolume: fromAtoms(quoteVolume),
      tradeCount: count,
      priceChange: open !== null && this.last !== null ? fromAtoms(this.last - open) : null,
      windowStart: new Date(start).toISOString(),
    };
  }
}
