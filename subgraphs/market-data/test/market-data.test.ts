// Tickers, candles and recent trades from committed rows, through the subgraph over HTTP.
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import type { RunningService } from '@flowex/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketData } from '../src/main.ts';

let database: TestDatabase;
let service: RunningService;
const now = Date.now();
const minutesAgo = (m: number) => new Date(now - m * 60_000);

beforeAll(async () => {
  database = await createTestDatabase('market_data');
  const { db } = database;
  await seedDatabase(db, { sandbox: false });
  const trade = (
    seq: number,
    price: string,
    quantity: string,
    at: Date,
    takerSide: 'BUY' | 'SELL' = 'BUY',
  ) => ({
    marketSymbol: 'BTC-USDT',
    engineSeq: seq,
    price,
    quantity,
    quoteQuantity: (Number(price) * Number(quantity)).toString(), // test data only; exact for these values
    takerSide,
    makerOrderId: 1,
    takerOrderId: 2,
    executedAt: at,
  });
  const trades = [
    trade(1, '40000', '1', minutesAgo(26 * 60)), // outside the 24 h window
    trade(5, '50000', '0.5', minutesAgo(120)),
    trade(9, '52000', '0.25', minutesAgo(60), 'SELL'),
    trade(12, '49000', '0.1', minutesAgo(5)),
    trade(15, '51000', '0.2', minutesAgo(1)),
  ];
  await db.trade.createMany({ data: trades });
  // Their 1m candles, as settlement writes them with the trades (the ticker sums those).
  await db.candle.createMany({
    data: trades.map((t) => ({
      marketSymbol: t.marketSymbol,
      interval: 'ONE_MINUTE' as const,
      openTime: new Date(Math.floor(t.executedAt.getTime() / 60_000) * 60_000),
      open: t.price,
      high: t.price,
      low: t.price,
      close: t.price,
      volume: t.quantity,
      quoteVolume: t.quoteQuantity,
      tradeCount: 1,
      lastEngineSeq: t.engineSeq,
    })),
  });
  const user = await db.user.create({ data: { email: 'maker@example.com' } });
  const order = (
    side: 'BUY' | 'SELL',
    price: string,
    status: 'NEW' | 'FILLED' | 'PENDING_TRIGGER',
  ) => ({
    userId: user.id,
    marketSymbol: 'BTC-USDT',
    side,
    type: 'LIMIT' as const,
    status,
    price,
    quantity: '1',
    holdAsset: side === 'BUY' ? 'USDT' : 'BTC',
  });
  await db.order.createMany({
    data: [
      order('BUY', '50900', 'NEW'),
      order('BUY', '50950', 'NEW'),
      order('BUY', '51005', 'FILLED'),
      order('SELL', '51100', 'NEW'),
      order('SELL', '51050', 'PENDING_TRIGGER'),
    ],
  });
  const candle = (openTime: Date, o: string, h: string, l: string, c: string, count: number) => ({
    marketSymbol: 'BTC-USDT',
    interval: 'ONE_MINUTE' as const,
    openTime,
    open: o,
    high: h,
    low: l,
    close: c,
    volume: '1',
    quoteVolume: '50000',
    tradeCount: count,
    lastEngineSeq: count,
  });
  await db.candle.createMany({
    data: [
      candle(new Date('2026-11-01T10:00:00Z'), '1', '3', '0.5', '2', 3),
      candle(new Date('2026-11-01T10:03:00Z'), '2', '2', '2', '2', 1),
      candle(new Date('2026-11-01T10:04:00Z'), '2', '4', '1', '3', 2),
    ],
  });
  service = await startMarketData(loadConfig({ MARKET_DATA_PORT: '0', LOG_LEVEL: 'silent' }), db);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

async function gql<T>(query: string) {
  const res = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as {
    data: T;
    errors?: { message: string; extensions: { code: string } }[];
  };
}

describe('ticker', () => {
  it('summarises the rolling 24 h window exactly, with the book top from resting orders', async () => {
    const { data, errors } = await gql<{
      ticker: Record<string, unknown>;
    }>(`{ ticker(market: "btc-usdt") {
      market lastPrice bestBid bestAsk open24h high24h low24h volume24h quoteVolume24h
      priceChange24h priceChangePercent24h tradeCount24h } }`);
    expect(errors).toBeUndefined();
    expect(data.ticker).toEqual({
      market: 'BTC-USDT',
      lastPrice: '51000',
      bestBid: '50950',
      bestAsk: '51100',
      open24h: '50000',
      high24h: '52000',
      low24h: '49000',
      volume24h: '1.05',
      quoteVolume24h: '53100',
      priceChange24h: '1000',
      priceChangePercent24h: '2',
      tradeCount24h: 4,
    });
  });

  it('is empty but present for a market without trades, null for an unknown one', async () => {
    const { data } = await gql<{ quiet: Record<string, unknown>; unknown: unknown }>(
      '{ quiet: ticker(market: "ETH-BTC") { lastPrice open24h volume24h tradeCount24h priceChange24h } unknown: ticker(market: "NOPE") { market } }',
    );
    expect(data.quiet).toEqual({
      lastPrice: null,
      open24h: null,
      volume24h: '0',
      tradeCount24h: 0,
      priceChange24h: null,
    });
    expect(data.unknown).toBeNull();
  });

  it('lists every market', async () => {
    const { data } = await gql<{ tickers: { market: string }[] }>('{ tickers { market } }');
    expect(data.tickers.map((t) => t.market)).toEqual([
      'BTC-USDT',
      'ETH-BTC',
      'ETH-USDT',
      'SOL-USDT',
    ]);
  });
});

describe('candles', () => {
  it('returns stored intervals oldest first and omits intervals without trades', async () => {
    const { data } = await gql<{ candles: Record<string, unknown>[] }>(
      '{ candles(market: "BTC-USDT", interval: ONE_MINUTE, to: "2026-11-02T00:00:00Z") { openTime closeTime open high low close tradeCount } }',
    );
    expect(data.candles).toEqual([
      {
        openTime: '2026-11-01T10:00:00.000Z',
        closeTime: '2026-11-01T10:00:59.999Z',
        open: '1',
        high: '3',
        low: '0.5',
        close: '2',
        tradeCount: 3,
      },
      {
        openTime: '2026-11-01T10:03:00.000Z',
        closeTime: '2026-11-01T10:03:59.999Z',
        open: '2',
        high: '2',
        low: '2',
        close: '2',
        tradeCount: 1,
      },
      {
        openTime: '2026-11-01T10:04:00.000Z',
        closeTime: '2026-11-01T10:04:59.999Z',
        open: '2',
        high: '4',
        low: '1',
        close: '3',
        tradeCount: 2,
      },
    ]);
  });

  it('honours from/to and limit (the latest candles without from)', async () => {
    const ranged = await gql<{ candles: { openTime: string }[] }>(
      '{ candles(market: "BTC-USDT", interval: ONE_MINUTE, from: "2026-11-01T10:01:00Z", to: "2026-11-01T10:03:00Z") { openTime } }',
    );
    expect(ranged.data.candles.map((c) => c.openTime)).toEqual(['2026-11-01T10:03:00.000Z']);
    const latest = await gql<{ candles: { openTime: string }[] }>(
      '{ candles(market: "BTC-USDT", interval: ONE_MINUTE, to: "2026-11-02T00:00:00Z", limit: 2) { openTime } }',
    );
    expect(latest.data.candles.map((c) => c.openTime)).toEqual([
      '2026-11-01T10:03:00.000Z',
      '2026-11-01T10:04:00.000Z',
    ]);
  });

  it('answers BAD_USER_INPUT for a bad limit or range', async () => {
    const tooMany = await gql(
      '{ candles(market: "BTC-USDT", interval: ONE_MINUTE, limit: 5000) { open } }',
    );
    expect(tooMany.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const backwards = await gql(
      '{ candles(market: "BTC-USDT", interval: ONE_MINUTE, from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z") { open } }',
    );
    expect(backwards.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('recentTrades', () => {
  it('lists the newest trades first, with the market as an entity reference', async () => {
    const { data } = await gql<{ recentTrades: Record<string, unknown>[] }>(
      '{ recentTrades(market: "BTC-USDT", limit: 2) { price quantity quoteQuantity takerSide market { symbol } } }',
    );
    expect(data.recentTrades).toEqual([
      {
        price: '51000',
        quantity: '0.2',
        quoteQuantity: '10200',
        takerSide: 'BUY',
        market: { symbol: 'BTC-USDT' },
      },
      {
        price: '49000',
        quantity: '0.1',
        quoteQuantity: '4900',
        takerSide: 'BUY',
        market: { symbol: 'BTC-USDT' },
      },
    ]);
  });
});
