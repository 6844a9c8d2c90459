// The first slice end to end: reference data served by the trading subgraph from
// PostgreSQL, through the gateway, on the platform as `npm start` runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../src/platform.ts';

describe('reference data through the gateway', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);
  afterAll(() => platform?.stop());

  it('lists the four seeded markets with exact decimals and their assets', async () => {
    const { data, errors } = await platform.graphql<{ markets: unknown[] }>(
      '{ markets { symbol tickSize lotSize minNotional makerFeeRate status baseAsset { code } quoteAsset { code decimals } } }',
    );
    expect(errors).toBeUndefined();
    expect(data?.markets).toEqual([
      {
        symbol: 'BTC-USDT',
        tickSize: '0.01',
        lotSize: '0.00001',
        minNotional: '5',
        makerFeeRate: '0.001',
        status: 'TRADING',
        baseAsset: { code: 'BTC' },
        quoteAsset: { code: 'USDT', decimals: 6 },
      },
      {
        symbol: 'ETH-BTC',
        tickSize: '0.00001',
        lotSize: '0.0001',
        minNotional: '0.0001',
        makerFeeRate: '0.001',
        status: 'TRADING',
        baseAsset: { code: 'ETH' },
        quoteAsset: { code: 'BTC', decimals: 8 },
      },
      {
        symbol: 'ETH-USDT',
        tickSize: '0.01',
        lotSize: '0.0001',
        minNotional: '5',
        makerFeeRate: '0.001',
        status: 'TRADING',
        baseAsset: { code: 'ETH' },
        quoteAsset: { code: 'USDT', decimals: 6 },
      },
      {
        symbol: 'SOL-USDT',
        tickSize: '0.01',
        lotSize: '0.01',
        minNotional: '5',
        makerFeeRate: '0.001',
        status: 'TRADING',
        baseAsset: { code: 'SOL' },
        quoteAsset: { code: 'USDT', decimals: 6 },
      },
    ]);
  });

  it('filters markets by quote asset and status', async () => {
    const byQuote = await platform.graphql<{ markets: { symbol: string }[] }>(
      '{ markets(quoteAsset: "BTC") { symbol } }',
    );
    expect(byQuote.data?.markets.map((m) => m.symbol)).toEqual(['ETH-BTC']);

    await platform.database.db.market.update({
      where: { symbol: 'SOL-USDT' },
      data: { status: 'HALTED' },
    });
    const halted = await platform.graphql<{ markets: { symbol: string }[] }>(
      '{ markets(status: HALTED) { symbol } }',
    );
    expect(halted.data?.markets.map((m) => m.symbol)).toEqual(['SOL-USDT']);
    const trading = await platform.graphql<{ markets: { symbol: string }[] }>(
      '{ markets(status: TRADING, quoteAsset: "usdt") { symbol } }',
    );
    expect(trading.data?.markets.map((m) => m.symbol)).toEqual(['BTC-USDT', 'ETH-USDT']);
  });

  it('finds one market by symbol, case-insensitively, and answers null for an unknown one', async () => {
    const found = await platform.graphql<{ market: { symbol: string } | null }>(
      '{ market(symbol: "eth-usdt") { symbol } }',
    );
    expect(found.data?.market).toEqual({ symbol: 'ETH-USDT' });
    const missing = await platform.graphql<{ market: unknown }>(
      '{ market(symbol: "DOGE-USDT") { symbol } }',
    );
    expect(missing.errors).toBeUndefined();
    expect(missing.data?.market).toBeNull();
  });

  it('lists assets with withdrawal terms as exact decimal strings', async () => {
    const { data } = await platform.graphql<{ assets: unknown[] }>(
      '{ assets { code name decimals withdrawalFee minWithdrawal } }',
    );
    expect(data?.assets).toContainEqual({
      code: 'BTC',
      name: 'Bitcoin',
      decimals: 8,
      withdrawalFee: '0.0002',
      minWithdrawal: '0.001',
    });
    expect(data?.assets).toHaveLength(4);
  });

  it('rejects a malformed query with a GraphQL error, not a crash', async () => {
    const { errors } = await platform.graphql('{ markets { nope } }');
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('seed', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);
  afterAll(() => platform?.stop());

  it('funds the demo account through balanced ledger journals, and seeding twice changes nothing', async () => {
    const { db } = platform.database;
    const { seedDatabase } = await import('@flowex/db');
    const count = async () => ({
      users: await db.user.count(),
      markets: await db.market.count(),
      ledger: await db.ledgerEntry.count(),
      balances: await db.balance.count(),
    });
    const before = await count();
    await seedDatabase(db, { sandbox: true });
    expect(await count()).toEqual(before);

    const demo = await db.user.findUniqueOrThrow({
      where: { email: 'demo@flowex.com' },
      include: { balances: true },
    });
    expect(
      Object.fromEntries(demo.balances.map((b) => [b.assetCode, b.available.toFixed()])),
    ).toEqual({
      BTC: '10',
      ETH: '100',
      SOL: '1000',
      USDT: '1000000',
    });
    const journals = await db.ledgerEntry.groupBy({
      by: ['journalId', 'assetCode'],
      _sum: { amount: true },
    });
    expect(journals.every((j) => j._sum.amount?.isZero())).toBe(true);
    const admin = await db.user.findUniqueOrThrow({ where: { email: 'admin@flowex.com' } });
    expect(admin.roles).toEqual(['ADMIN']);
  });
});
