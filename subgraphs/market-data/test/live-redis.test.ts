// Redis mode: the engine and the subgraph as separate bus clients (as separate processes
// are), the book snapshot served over a Redis stream, events over Redis pub/sub. A market
// of its own keeps this file apart from other tests sharing the Redis server.
import { randomBytes } from 'node:crypto';
import { RedisBus } from '@flowex/bus';
import { dropRedisKeys } from '@flowex/bus/testing';
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { type RunningEngine, startEngine, submitOrder } from '@flowex/engine';
import type { RunningService } from '@flowex/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMarketData } from '../src/main.ts';
import { type BookUpdate, ClientBook, fundedUser, subscribe, until } from './helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BASE = `R${randomBytes(3).toString('hex').toUpperCase()}`;
const M = `${BASE}-USDT`;
const streamPrefix = `flowex:test:${BASE}:`;
let database: TestDatabase;
let engineBus: RedisBus;
let clientBus: RedisBus;
let engine: RunningEngine;
let service: RunningService;
let maker: string;
let taker: string;

beforeAll(async () => {
  database = await createTestDatabase('md_redis');
  const { db } = database;
  await seedDatabase(db, { sandbox: false });
  await db.asset.create({
    data: {
      code: BASE,
      name: 'Redis test coin',
      decimals: 8,
      withdrawalFee: '0',
      minWithdrawal: '1',
    },
  });
  await db.market.create({
    data: {
      symbol: M,
      baseAssetCode: BASE,
      quoteAssetCode: 'USDT',
      tickSize: '0.01',
      lotSize: '0.001',
      minQuantity: '0.001',
      minNotional: '1',
      makerFeeRate: '0.001',
      takerFeeRate: '0.002',
    },
  });
  maker = (await fundedUser(db, 'maker@example.com', { [BASE]: '100', USDT: '100000' })).id;
  taker = (await fundedUser(db, 'taker@example.com', { [BASE]: '100', USDT: '100000' })).id;
  engineBus = new RedisBus(REDIS_URL, { streamPrefix, blockMs: 200 });
  clientBus = new RedisBus(REDIS_URL, { streamPrefix, blockMs: 200 });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MARKET_DATA_PORT: '0' });
  engine = await startEngine(config, db, engineBus, { markets: [M], port: 0 });
  service = await startMarketData(config, db, clientBus);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await engine?.stop();
  await Promise.all([engineBus?.close(), clientBus?.close()]);
  await dropRedisKeys(REDIS_URL, streamPrefix); // the engine's streams of this market
  await database?.drop();
});

const place = (userId: string, side: 'BUY' | 'SELL', price: string, quantity: string) =>
  submitOrder(database.db, clientBus, { userId, marketSymbol: M, side, price, quantity });

it('serves the exact book and live trades over Redis', async () => {
  await place(maker, 'BUY', '10', '1');
  await place(maker, 'SELL', '11', '2');
  const book = subscribe<BookUpdate>(
    service.url,
    `subscription { orderBook(market: "${M}", depth: 10) { market snapshot sequence previousSequence bids { price quantity orderCount } asks { price quantity orderCount } } }`,
    'orderBook',
  );
  const trades = subscribe<Record<string, unknown>>(
    service.url,
    `subscription { trades(market: "${M}") { price quantity takerSide } }`,
    'trades',
  );
  await until(() => book.events.length > 0 || book.errors.length > 0);
  expect(book.errors).toEqual([]);
  expect(book.events[0]).toMatchObject({
    snapshot: true,
    bids: [{ price: '10', quantity: '1', orderCount: 1 }],
    asks: [{ price: '11', quantity: '2', orderCount: 1 }],
  });
  await new Promise((r) => setTimeout(r, 200)); // trades subscription registered
  const last = await place(taker, 'BUY', '11', '0.5');
  await until(() => trades.events.length === 1 && book.events.at(-1)?.sequence === last.reply?.seq);
  expect(trades.events[0]).toEqual({ price: '11', quantity: '0.5', takerSide: 'BUY' });
  const client = new ClientBook();
  for (const e of book.events) client.apply(e);
  expect(client.gaps).toEqual([]);
  const res = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `{ orderBook(market: "${M}", depth: 10) { sequence bids { price quantity orderCount } asks { price quantity orderCount } } }`,
    }),
  });
  const { data } = (await res.json()) as { data: { orderBook: Record<string, unknown> } };
  expect(data.orderBook).toEqual({ sequence: client.sequence, ...client.book() });
  expect(client.book().asks).toEqual([{ price: '11', quantity: '1.5', orderCount: 1 }]);
  await Promise.all([book.close(), trades.close()]);
});
