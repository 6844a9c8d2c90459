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

/**
 * 24 h rolling ticker at one-minute resolution (what the 1m candles give after a restart).
 * Sums are kept as buckets come and go, and high/low are rescanned only when a bucket
 * holding one of them leaves the window: a view costs O(1) amortised. (Summing all of a
 * day's 1,441 buckets took ≈ 106 µs per view, i.e. per settled batch with trades.)
 */
export class Ticker {
  /** Minute buckets, oldest first; those before `head` have left the window. */
  private buckets: Bucket[] = [];
  private head = 0;
  private last: bigint | null = null;
  private volume = 0n;
  private quoteVolume = 0n;
  private count = 0;
  private high: bigint | null = null;
  private low: bigint | null = null;

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
      this.counted(c.high, c.low, c.volume, c.quoteVolume, c.tradeCount);
      this.last = c.close;
    }
  }

  add(t: TradeTick): void {
    const minute = Math.floor(t.at / 60_000) * 60_000;
    const b = this.buckets.length > this.head ? this.buckets.at(-1) : undefined;
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
    this.counted(t.price, t.price, t.quantity, t.quote, 1);
    this.last = t.price;
  }

  private counted(high: bigint, low: bigint, volume: bigint, quote: bigint, count: number) {
    if (this.high === null || high > this.high) this.high = high;
    if (this.low === null || low < this.low) this.low = low;
    this.volume += volume;
    this.quoteVolume += quote;
    this.count += count;
  }

  /** Drops the buckets before `start`; rescans high/low if one of them held either. */
  private expire(start: number) {
    let extremeLeft = false;
    while (this.head < this.buckets.length && this.buckets[this.head]!.minute < start) {
      const b = this.buckets[this.head++]!;
      this.volume -= b.volume;
      this.quoteVolume -= b.quoteVolume;
      this.count -= b.count;
      if (b.high === this.high || b.low === this.low) extremeLeft = true;
    }
    if (this.head >= 64 && this.head * 2 >= this.buckets.length) {
      this.buckets = this.buckets.slice(this.head);
      this.head = 0;
    }
    if (!extremeLeft) return;
    this.high = null;
    this.low = null;
    for (let i = this.head; i < this.buckets.length; i++) {
      const b = this.buckets[i]!;
      if (this.high === null || b.high > this.high) this.high = b.high;
      if (this.low === null || b.low < this.low) this.low = b.low;
    }
  }

  view(now = Date.now()): TickerView {
    const start = Math.floor((now - 86_400_000) / 60_000) * 60_000;
    this.expire(start);
    const open = this.buckets[this.head]?.open ?? null;
    const s = (v: bigint | null) => (v === null ? null : fromAtoms(v));
    return {
      marketSymbol: this.marketSymbol,
      lastPrice: s(this.last),
      open: s(open),
      high: s(this.high),
      low: s(this.low),
      volume: fromAtoms(this.volume),
      quoteVolume: fromAtoms(this.quoteVolume),
      tradeCount: this.count,
      priceChange: open !== null && this.last !== null ? fromAtoms(this.last - open) : null,
      windowStart: new Date(start).toISOString(),
    };
  }
}
