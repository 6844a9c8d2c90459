import { Prisma } from '@flowex/db';
import { describe, expect, it } from 'vitest';
import {
  computePositions,
  type FillLike,
  foldPositions,
  type PositionState,
} from '../src/domain/positions.ts';

const D = (v: string) => new Prisma.Decimal(v);
const fill = (
  side: 'BUY' | 'SELL',
  price: string,
  quantity: string,
  fee = '0',
  market = 'BTC-USDT',
): FillLike => ({
  marketSymbol: market,
  side,
  price: D(price),
  quantity: D(quantity),
  fee: D(fee),
});
const view = (p: ReturnType<typeof computePositions>[number]) => ({
  market: p.market,
  quantity: p.quantity.toFixed(),
  averageEntryPrice: p.averageEntryPrice?.toFixed() ?? null,
  markPrice: p.markPrice?.toFixed() ?? null,
  unrealizedPnl: p.unrealizedPnl?.toFixed() ?? null,
  realizedPnl: p.realizedPnl.toFixed(),
});

describe('computePositions', () => {
  it('weights the entry price by quantity and marks the rest to the last price', () => {
    const positions = computePositions(
      [fill('BUY', '100', '1'), fill('BUY', '200', '3')],
      new Map([['BTC-USDT', D('180')]]),
    );
    expect(positions.map(view)).toEqual([
      {
        market: 'BTC-USDT',
        quantity: '4',
        averageEntryPrice: '175',
        markPrice: '180',
        unrealizedPnl: '20',
        realizedPnl: '0',
      },
    ]);
  });

  it('realises PnL against the average on sells, net of the quote fee', () => {
    const positions = computePositions(
      [fill('BUY', '100', '2'), fill('SELL', '130', '1', '0.13')],
      new Map([['BTC-USDT', D('120')]]),
    );
    expect(positions.map(view)).toEqual([
      {
        market: 'BTC-USDT',
        quantity: '1',
        averageEntryPrice: '100',
        markPrice: '120',
        unrealizedPnl: '20',
        realizedPnl: '29.87',
      },
    ]);
  });

  it('puts the buyer fee (in base) into the cost basis', () => {
    // Bought 1 at 100 but received 0.999: each unit held cost 100/0.999.
    const [p] = computePositions(
      [fill('BUY', '100', '1', '0.001')],
      new Map([['BTC-USDT', D('100')]]),
    );
    expect(p!.quantity.toFixed()).toBe('0.999');
    expect(p!.averageEntryPrice!.toDecimalPlaces(6).toFixed()).toBe('100.1001');
  });

  it('ignores base that did not come through the market and closes to zero', () => {
    const positions = computePositions(
      [fill('SELL', '100', '5'), fill('BUY', '100', '1'), fill('SELL', '150', '2')],
      new Map([['BTC-USDT', null]]),
    );
    expect(positions.map(view)).toEqual([
      {
        market: 'BTC-USDT',
        quantity: '0',
        averageEntryPrice: null,
        markPrice: null,
        unrealizedPnl: null,
        realizedPnl: '50',
      },
    ]);
  });

  it('resumes: a stored state plus the fills after it gives what the whole history gives', () => {
    // Pseudo-random fills (fixed seed) over two markets, buys and sells, fees on both.
    let seed = 7;
    const rnd = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const fills = Array.from({ length: 400 }, () =>
      fill(
        rnd() < 0.55 ? 'BUY' : 'SELL',
        String(100 + Math.floor(rnd() * 50)),
        (0.001 + Math.floor(rnd() * 1000) / 1000).toFixed(3),
        (Math.floor(rnd() * 10) / 10000).toFixed(4),
        rnd() < 0.5 ? 'BTC-USDT' : 'ETH-USDT',
      ),
    );
    const text = (states: Map<string, PositionState>) =>
      [...states].map(([m, s]) => [
        m,
        s.quantity.toString(),
        s.cost.toString(),
        s.realized.toString(),
      ]);
    // A snapshot keeps each value as its exact decimal string (unconstrained NUMERIC).
    const stored = (states: Map<string, PositionState>) =>
      new Map(
        [...states].map(([m, s]) => [
          m,
          {
            quantity: D(s.quantity.toString()),
            cost: D(s.cost.toString()),
            realized: D(s.realized.toString()),
          },
        ]),
      );
    const whole = foldPositions(fills);
    expect(whole.size).toBe(2);
    for (const cut of [0, 1, 57, 200, 399, 400]) {
      const resumed = foldPositions(fills.slice(cut), stored(foldPositions(fills.slice(0, cut))));
      expect(text(resumed)).toEqual(text(whole));
    }
  });
});
