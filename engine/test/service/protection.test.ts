// Stop-market BUYs never spend more than their hold (also after a restart), a market BUY
// whose book moved up after submission fills what its hold covers, and the circuit
// breaker's window arithmetic.
import { MemoryBus } from '@flowex/bus';
import type { Db } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { createLogger } from '@flowex/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderView, type RunningEngine, startEngine, submitOrder } from '../../src/index.ts';
import { CircuitBreaker } from '../../src/service/circuit-breaker.ts';
import { toAtoms } from '../../src/service/units.ts';
import { balance, fundedUser, ledgerViolations, seed, testConfig } from './helpers.ts';

const M = 'BTC-USDT';

describe('BUYs never spend more than their hold', () => {
  let t: TestDatabase;
  let bus: MemoryBus;
  let engine: RunningEngine;
  const start = () =>
    startEngine(testConfig(), t.db, bus, { markets: [M], databaseUrl: t.url, port: 0 });

  beforeAll(async () => {
    t = await createTestDatabase('engine_stopbuy');
    await seed(t.db);
    bus = new MemoryBus();
    engine = await start();
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
    await bus?.close();
    await t?.drop();
  });

  describe('stop-market BUY', () => {
    it('is capped at its hold (stop price + band), across a restart', async () => {
      const alice = await fundedUser(t.db, 'alice@example.com', { BTC: '1' });
      const bob = await fundedUser(t.db, 'bob@example.com', { USDT: '1000' });
      const carol = await fundedUser(t.db, 'carol@example.com', { USDT: '1000' });
      const order = (userId: string, side: 'BUY' | 'SELL', price: string) =>
        submitOrder(t.db, bus, { userId, marketSymbol: M, side, price, quantity: '0.01' });
      await order(alice.id, 'SELL', '30000');
      await order(carol.id, 'BUY', '30000'); // last price 30000
      // 0.02 × (30100 × 1.05 = 31605) = 632.1
      const stop = await submitOrder(t.db, bus, {
        userId: bob.id,
        marketSymbol: M,
        side: 'BUY',
        type: 'STOP_LOSS',
        stopPrice: '30100',
        quantity: '0.02',
        hold: '632.1',
      });
      expect(stop.order).toMatchObject({ status: 'PENDING_TRIGGER', holdRemaining: '632.1' });

      await engine.stop();
      engine = await start(); // the pending stop comes back from the database

      await order(alice.id, 'SELL', '31500');
      // Within the core's band from 31500 (33075), beyond the cap: 315 + 330 > the hold.
      await order(alice.id, 'SELL', '33000');
      await order(alice.id, 'SELL', '30100');
      await order(carol.id, 'BUY', '30100'); // last 30100 → triggers
      const after = await orderView(t.db, stop.order.id);
      expect(after).toMatchObject({
        status: 'EXPIRED',
        filledQuantity: '0.01',
        filledQuoteQuantity: '315',
        holdRemaining: '0',
      });
      expect(await balance(t.db, bob.id, 'USDT')).toEqual({ available: '685', locked: '0' });
      expect(await ledgerViolations(t.db)).toEqual([]);
    });
  });

  describe('market BUY by quantity', () => {
    const marketBuy = (userId: string, quantity: string, hold: string) =>
      submitOrder(t.db, bus, {
        userId,
        marketSymbol: M,
        side: 'BUY',
        type: 'MARKET',
        quantity,
        hold,
      });

    it('whose best ask rose after submission fills what its hold covers, and the rest expires', async () => {
      // Other traders than the stop-market test's, on the book it left (one ask at 33,000).
      const alice = await fundedUser(t.db, 'dana@example.com', { BTC: '1' });
      const bob = await fundedUser(t.db, 'erin@example.com', { USDT: '1000' });
      const sell = (price: string) =>
        submitOrder(t.db, bus, {
          userId: alice.id,
          marketSymbol: M,
          side: 'SELL',
          price,
          quantity: '0.01',
        });
      await sell('30000');
      await sell('31000');
      // Held as if the best ask had been ≈ 28,571 (× 1.05 = 30,000): 0.02 × 30,000 = 600. The
      // band from 30,000 (31,500) could cost 630: the order is capped at 600 / 0.02 = 30,000.
      const bought = await marketBuy(bob.id, '0.02', '600');
      expect(bought.order).toMatchObject({
        status: 'EXPIRED',
        filledQuantity: '0.01',
        filledQuoteQuantity: '300',
        holdRemaining: '0',
      });
      expect(await balance(t.db, bob.id, 'USDT')).toEqual({ available: '700', locked: '0' });
      // Nothing within the hold at all: it expires unfilled, the hold comes back whole.
      const none = await marketBuy(bob.id, '0.01', '290');
      expect(none.order).toMatchObject({
        status: 'EXPIRED',
        filledQuantity: '0',
        holdRemaining: '0',
      });
      expect(await balance(t.db, bob.id, 'USDT')).toEqual({ available: '700', locked: '0' });
      expect(await ledgerViolations(t.db)).toEqual([]);
    });
  });
});

describe('circuit breaker window', () => {
  const fakeDb = (percent: string, halts: unknown[]) =>
    ({
      market: { findUnique: async () => ({ circuitBreakerPercent: percent }) },
      trade: { findMany: async () => [] },
      $executeRawUnsafe: async (_sql: string, _symbol: string, details: string) => {
        halts.push(JSON.parse(details));
        return 1;
      },
    }) as unknown as Db;
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, 0) + minutes * 60_000);
  const trade = (price: string, minutes: number) => ({
    price: toAtoms(price),
    executedAt: at(minutes),
  });

  const breaker = (halts: unknown[]) =>
    new CircuitBreaker(fakeDb('10', halts), M, createLogger('test', 'silent'));

  it('trips on a move of more than the percentage within 5 minutes, up or down', async () => {
    const halts: unknown[] = [];
    const b = breaker(halts);
    await b.start();
    expect(b.observe([trade('100', 0), trade('110', 1)])).toBeUndefined(); // exactly 10 %
    const trip = await b.observe([trade('105', 2), trade('110.01', 3)]);
    expect(trip).toMatchObject({ fromPrice: '100', toPrice: '110.01', thresholdPercent: '10' });
    expect(halts).toHaveLength(1);

    const down: unknown[] = [];
    const d = breaker(down);
    await d.start();
    expect(await d.observe([trade('100', 0), trade('89.99', 4)])).toMatchObject({
      fromPrice: '100',
      toPrice: '89.99',
      movePercent: '10.01',
    });
  });

  it('forgets prices older than the window', async () => {
    const halts: unknown[] = [];
    const b = breaker(halts);
    await b.start();
    expect(b.observe([trade('100', 0)])).toBeUndefined();
    expect(b.observe([trade('111', 5.01)])).toBeUndefined();
    expect(halts).toEqual([]);
  });
});
