import { describe, expect, it } from 'vitest';
import {
  type CandleDelta,
  candleDeltas,
  INTERVALS,
  Ticker,
  type TradeTick,
} from '../../src/service/candles.ts';
import { fromAtoms } from '../../src/service/units.ts';

/** The definition: every trade folded into its candle of every interval, one by one. */
function foldedTradeByTrade(trades: readonly TradeTick[]): CandleDelta[] {
  const out = new Map<string, CandleDelta>();
  for (const t of trades) {
    for (const iv of INTERVALS) {
      const openTime = Math.floor(t.at / iv.ms) * iv.ms;
      const key = `${iv.name}:${openTime}`;
      const c = out.get(key);
      if (!c) {
        out.set(key, {
          interval: iv.name,
          openTime,
          open: t.price,
          high: t.price,
          low: t.price,
          close: t.price,
          volume: t.quantity,
          quoteVolume: t.quote,
          tradeCount: 1,
          lastSeq: t.seq,
        });
        continue;
      }
      if (t.price > c.high) c.high = t.price;
      if (t.price < c.low) c.low = t.price;
      c.close = t.price;
      c.volume += t.quantity;
      c.quoteVolume += t.quote;
      c.tradeCount += 1;
      c.lastSeq = t.seq;
    }
  }
  return [...out.values()];
}

function randomTrades(seed: number, n: number): TradeTick[] {
  let a = seed;
  const next = () => {
    a = (a * 1_103_515_245 + 12_345) % 2 ** 31;
    return a / 2 ** 31;
  };
  const trades: TradeTick[] = [];
  // Runs of trades at one time (a batch), across minute, hour and day boundaries.
  let at = Date.UTC(2026, 11, 3, 23, 58, 30);
  for (let seq = 1; trades.length < n; seq++) {
    if (next() < 0.2) at += Math.floor(next() * 90_000);
    const price = BigInt(29_000 + Math.floor(next() * 2_000)) * 10n ** 16n;
    const quantity = BigInt(1 + Math.floor(next() * 50)) * 10n ** 15n;
    trades.push({ seq, price, quantity, quote: (price * quantity) / 10n ** 18n, at });
  }
  return trades;
}

describe('candle deltas of a batch', () => {
  it('equal the trades folded one by one, in every interval', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const trades = randomTrades(seed, 1 + (seed % 7) * 40);
      expect(candleDeltas(trades)).toEqual(foldedTradeByTrade(trades));
    }
  });

  it('sum one batch of trades at one time into one candle per interval', () => {
    const trades = randomTrades(7, 30).map((t) => ({ ...t, at: Date.UTC(2026, 11, 3, 12, 0, 1) }));
    const deltas = candleDeltas(trades);
    expect(deltas).toHaveLength(INTERVALS.length);
    for (const c of deltas) {
      expect(c.tradeCount).toBe(30);
      expect(c.open).toBe(trades[0]!.price);
      expect(c.close).toBe(trades[29]!.price);
      expect(c.volume).toBe(trades.reduce((s, t) => s + t.quantity, 0n));
    }
  });

  it('is empty without trades', () => {
    expect(candleDeltas([])).toEqual([]);
  });
});

/** The definition of the 24 h ticker: every trade of the window's minutes, summed at view time. */
function tickerOf(trades: readonly TradeTick[], now: number) {
  const start = Math.floor((now - 86_400_000) / 60_000) * 60_000;
  const inWindow = trades.filter((t) => Math.floor(t.at / 60_000) * 60_000 >= start);
  const prices = inWindow.map((t) => t.price);
  const s = (v: bigint | undefined) => (v === undefined ? null : fromAtoms(v));
  const open = inWindow[0]?.price;
  const last = trades.at(-1)?.price;
  return {
    lastPrice: s(last),
    open: s(open),
    high: s(
      prices.reduce<bigint | undefined>((m, p) => (m === undefined || p > m ? p : m), undefined),
    ),
    low: s(
      prices.reduce<bigint | undefined>((m, p) => (m === undefined || p < m ? p : m), undefined),
    ),
    volume: fromAtoms(inWindow.reduce((v, t) => v + t.quantity, 0n)),
    quoteVolume: fromAtoms(inWindow.reduce((v, t) => v + t.quote, 0n)),
    tradeCount: inWindow.length,
    priceChange: open !== undefined && last !== undefined ? fromAtoms(last - open) : null,
    windowStart: new Date(start).toISOString(),
  };
}

describe('the rolling 24 h ticker', () => {
  it('equals the sums over the window at every view, as minutes come and leave', () => {
    for (let seed = 1; seed <= 20; seed++) {
      // Two and a half days of trades, a few an hour, with views in between.
      let a = seed;
      const next = () => {
        a = (a * 1_103_515_245 + 12_345) % 2 ** 31;
        return a / 2 ** 31;
      };
      const ticker = new Ticker('BTC-USDT');
      const trades: TradeTick[] = [];
      let at = Date.UTC(2026, 11, 1, 0, 0, 0);
      let now = at;
      for (let seq = 1; seq <= 300; seq++) {
        at = Math.max(at, now) + Math.floor(next() * 20 * 60_000);
        const price = BigInt(29_000 + Math.floor(next() * 2_000)) * 10n ** 16n;
        const quantity = BigInt(1 + Math.floor(next() * 50)) * 10n ** 15n;
        const t = { seq, price, quantity, quote: (price * quantity) / 10n ** 18n, at };
        trades.push(t);
        ticker.add(t);
        if (next() < 0.3) {
          // Views at the clock's time: after the trades, never going back.
          now = Math.max(now, at + Math.floor(next() * 30 * 60_000));
          expect(ticker.view(now)).toEqual({ marketSymbol: 'BTC-USDT', ...tickerOf(trades, now) });
        }
      }
      // Long after the last trade: an empty window that still knows the last price.
      const later = now + 3 * 86_400_000;
      expect(ticker.view(later)).toEqual({ marketSymbol: 'BTC-USDT', ...tickerOf(trades, later) });
    }
  });

  it('seeded from 1m candles, views as if it had seen their trades', () => {
    const trades = randomTrades(3, 200);
    const seeded = new Ticker('BTC-USDT');
    seeded.seed(candleDeltas(trades).filter((c) => c.interval === 'ONE_MINUTE'));
    const now = trades.at(-1)!.at + 60_000;
    expect(seeded.view(now)).toEqual({ marketSymbol: 'BTC-USDT', ...tickerOf(trades, now) });
  });
});
