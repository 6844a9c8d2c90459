// The live part against a real engine on an in-process bus: the exact order book (query
// and subscription), and the trades, ticker and candles subscriptions over graphql-ws.
import { MemoryBus } from '@flowex/bus';
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { cancelOrder, type RunningEngine, startEngine, submitOrder } from '@flowex/engine';
import type { RunningService } from '@flowex/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketData } from '../src/main.ts';
import { type BookUpdate, ClientBook, fundedUser, subscribe, until } from './helpers.ts';

const M = 'BTC-USDT';
let database: TestDatabase;
let bus: MemoryBus;
let engine: RunningEngine;
let service: RunningService;
let maker: string;
let taker: string;
let other: string;

beforeAll(async () => {
  database = await createTestDatabase('md_live');
  const { db } = database;
  await seedDatabase(db, { sandbox: false });
  maker = (await fundedUser(db, 'maker@example.com', { BTC: '100', USDT: '10000000' })).id;
  taker = (await fundedUser(db, 'taker@example.com', { BTC: '100', USDT: '10000000' })).id;
  other = (await fundedUser(db, 'other@example.com', { BTC: '100', USDT: '10000000' })).id;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MARKET_DATA_PORT: '0',
    ENGINE_PORT: '0',
  });
  bus = new MemoryBus();
  engine = await startEngine(config, db, bus, { markets: [M], port: 0 });
  service = await startMarketData(config, db, bus);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await engine?.stop();
  await bus?.close();
  await database?.drop();
});

async function gql<T = Record<string, unknown>>(query: string) {
  const res = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: T; errors?: { extensions: { code: string } }[] };
}

const place = (userId: string, side: 'BUY' | 'SELL', price: string, quantity: string) =>
  submitOrder(database.db, bus, { userId, marketSymbol: M, side, price, quantity });

const BOOK = 'sequence bids { price quantity orderCount } asks { price quantity orderCount }';
type Book = { sequence: string; bids: unknown[]; asks: unknown[] };

describe('orderBook', () => {
  it('aggregates resting orders per level, best first, at the committed sequence', async () => {
    await place(maker, 'BUY', '30000', '0.5');
    await place(maker, 'BUY', '30000', '0.25');
    await place(maker, 'BUY', '29990.5', '1');
    const last = await place(maker, 'SELL', '30100', '0.1');
    await until(
      async () =>
        (await gql<{ orderBook: Book }>(`{ orderBook(market: "${M}") { sequence } }`)).data
          .orderBook.sequence === last.reply?.seq,
    );
    const { data, errors } = await gql<{ orderBook: Book }>(
      `{ orderBook(market: "btc-usdt", depth: 5) { ${BOOK} market { symbol } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.orderBook).toEqual({
      sequence: last.reply?.seq,
      market: { symbol: M },
      bids: [
        { price: '30000', quantity: '0.75', orderCount: 2 },
        { price: '29990.5', quantity: '1', orderCount: 1 },
      ],
      asks: [{ price: '30100', quantity: '0.1', orderCount: 1 }],
    });
    const top = await gql<{ orderBook: Book }>(
      `{ orderBook(market: "${M}", depth: 1) { bids { price } } }`,
    );
    expect(top.data.orderBook.bids).toEqual([{ price: '30000' }]);
  });

  it('refuses a bad depth and an unknown market', async () => {
    const bad = await gql(`{ orderBook(market: "${M}", depth: 0) { sequence } }`);
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const unknown = await gql('{ orderBook(market: "NOPE-USDT") { sequence } }');
    expect(unknown.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('streams a snapshot then chained deltas that rebuild the queried book exactly', async () => {
    const sub = subscribe<BookUpdate>(
      service.url,
      `subscription { orderBook(market: "${M}", depth: 2) { market snapshot sequence previousSequence bids { price quantity orderCount } asks { price quantity orderCount } } }`,
      'orderBook',
    );
    await until(() => sub.events.length > 0);
    expect(sub.events[0]).toMatchObject({ market: M, snapshot: true, previousSequence: null });
    const client = new ClientBook();
    const o = await place(taker, 'BUY', '30005', '0.2'); // a new best bid: 29990.5 leaves the top 2
    await place(other, 'SELL', '30000', '0.3'); // trades against 30005 (0.2) then 30000 (0.1)
    // Filled already: refused at intake, nothing changes.
    await expect(
      cancelOrder(database.db, bus, { userId: taker, orderId: o.order.id }),
    ).rejects.toMatchObject({ code: 'ORDER_CLOSED' });
    const final = await place(maker, 'SELL', '30050', '0.4');
    await until(() => sub.events.at(-1)?.sequence === final.reply?.seq);
    for (const e of sub.events) client.apply(e);
    expect(client.gaps).toEqual([]);
    expect(sub.events.slice(1).every((e) => !e.snapshot)).toBe(true);
    const { data } = await gql<{ orderBook: Book }>(
      `{ orderBook(market: "${M}", depth: 2) { ${BOOK} } }`,
    );
    expect(data.orderBook.sequence).toBe(client.sequence);
    expect(client.book()).toEqual({ bids: data.orderBook.bids, asks: data.orderBook.asks });
    expect(data.orderBook.bids).toEqual([
      { price: '30000', quantity: '0.65', orderCount: 2 },
      { price: '29990.5', quantity: '1', orderCount: 1 },
    ]);
    await sub.close();
  });
});

describe('trades, ticker and candles subscriptions', () => {
  it('publish every committed trade, the ticker and the touched candles', async () => {
    const trades = subscribe<Record<string, unknown>>(
      service.url,
      `subscription { trades(market: "${M}") { id price quantity quoteQuantity takerSide market { symbol } } }`,
      'trades',
    );
    const ticker = subscribe<Record<string, unknown>>(
      service.url,
      `subscription { ticker(market: "${M}") { market lastPrice bestBid bestAsk tradeCount24h } }`,
      'ticker',
    );
    const candles = subscribe<Record<string, unknown>>(
      service.url,
      `subscription { candles(market: "${M}", interval: ONE_MINUTE) { market interval open high low close volume tradeCount } }`,
      'candles',
    );
    await new Promise((r) => setTimeout(r, 300)); // subscriptions registered
    const fill = await place(taker, 'SELL', '29000', '0.05'); // takes 0.05 at the best bid 30000
    expect(fill.reply?.fills.length).toBe(1);
    await until(() => trades.events.length === 1 && candles.events.length > 0);
    expect(trades.events[0]).toMatchObject({
      price: '30000',
      quantity: '0.05',
      quoteQuantity: '1500',
      takerSide: 'SELL',
      market: { symbol: M },
    });
    const candle = candles.events.at(-1)!;
    expect(candle).toMatchObject({ market: M, interval: 'ONE_MINUTE', close: '30000' });
    const rows = await gql<{ candles: unknown[] }>(
      `{ candles(market: "${M}", interval: ONE_MINUTE) { market interval open high low close volume tradeCount } }`,
    );
    expect(rows.data.candles.at(-1)).toEqual(candle);
    await until(() => ticker.events.some((t) => t.lastPrice === '30000'));
    const now = (
      await gql<{ ticker: Record<string, unknown> }>(
        `{ ticker(market: "${M}") { market lastPrice bestBid bestAsk tradeCount24h } }`,
      )
    ).data.ticker;
    await until(() => JSON.stringify(ticker.events.at(-1)) === JSON.stringify(now));
    await Promise.all([trades.close(), ticker.close(), candles.close()]);
  });

  it('refuses an unknown market', async () => {
    const sub = subscribe(service.url, 'subscription { trades(market: "NOPE") { id } }', 'trades');
    await until(() => sub.errors.length > 0);
    expect(JSON.stringify(sub.errors)).toContain('NOT_FOUND');
    await sub.close();
  });
});
