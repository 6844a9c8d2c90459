import { randomUUID } from 'node:crypto';
import { RedisBus } from '@flowex/bus';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEngine, startEngine, submitOrder } from '../../src/index.ts';
import { dropRedisKeys, fundedUser, ledgerViolations, seed, testConfig } from './helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const M = 'ETH-USDT';

describe('engine service over Redis (Streams intake, pub/sub events)', () => {
  let t: TestDatabase;
  let engineBus: RedisBus;
  let clientBus: RedisBus;
  let engine: RunningEngine;
  let prefix: string;

  beforeAll(async () => {
    t = await createTestDatabase('engine_redis');
    await seed(t.db);
    // Streams are shared by every test run on this Redis: a unique prefix isolates this one.
    prefix = `flowex:test:${randomUUID()}:`;
    engineBus = new RedisBus(REDIS_URL, { streamPrefix: prefix, blockMs: 200 });
    clientBus = new RedisBus(REDIS_URL, { streamPrefix: prefix, blockMs: 200 });
    engine = await startEngine(testConfig(), t.db, engineBus, {
      markets: [M],
      databaseUrl: t.url,
      port: 0,
    });
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
    await engineBus?.close();
    await clientBus?.close();
    await t?.drop();
    if (prefix) await dropRedisKeys(REDIS_URL, prefix);
  });

  it('answers placeOrder with the post-match state and carries the trace context', async () => {
    const seller = await fundedUser(t.db, 's@example.com', { ETH: '3' });
    const buyer = await fundedUser(t.db, 'b@example.com', { USDT: '10000' });
    const trades: unknown[] = [];
    const off = await clientBus.subscribe(`trades:${M}`, (p) => trades.push(p));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const sell = await submitOrder(t.db, clientBus, {
      userId: seller.id,
      marketSymbol: M,
      side: 'SELL',
      price: '2000',
      quantity: '1.5',
      traceparent,
    });
    expect(sell.reply?.outcome).toBe('placed');
    const buy = await submitOrder(t.db, clientBus, {
      userId: buyer.id,
      marketSymbol: M,
      side: 'BUY',
      type: 'MARKET',
      quoteQuantity: '1000',
    });
    expect(buy.order.status).toBe('FILLED');
    expect(buy.reply?.fills.map((f) => f.quantity)).toEqual(['0.5']);
    await expect.poll(() => trades.length).toBe(1);
    expect(trades[0]).toMatchObject({ price: '2000', quantity: '0.5', takerSide: 'BUY' });
    const cmd = await t.db.engineCommand.findFirstOrThrow({
      where: { orderId: BigInt(sell.order.id) },
    });
    expect(cmd.traceparent).toBe(traceparent);
    expect(await ledgerViolations(t.db)).toEqual([]);
    await off();
  });
});
