// Market administration through the trading subgraph itself: RBAC is enforced here, not
// only at the gateway, and every change leaves an audit-log row.
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import type { RunningService } from '@flowex/server';
import { startTestIssuer, type TestIssuer } from '@flowex/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedMarketCount } from '../src/domain/market-cache.ts';
import { startTrading } from '../src/main.ts';

let database: TestDatabase;
let issuer: TestIssuer;
let trading: RunningService;
let adminToken: string;
let traderToken: string;

beforeAll(async () => {
  database = await createTestDatabase('trading_admin');
  await seedDatabase(database.db, { sandbox: false });
  issuer = await startTestIssuer();
  const config = loadConfig({ TRADING_PORT: '0', LOG_LEVEL: 'silent', JWKS_URL: issuer.jwksUrl });
  trading = await startTrading(config, database.db);
  const admin = await database.db.user.create({
    data: { email: 'root@example.com', roles: ['ADMIN'] },
  });
  const trader = await database.db.user.create({ data: { email: 't@example.com' } });
  adminToken = await issuer.token({ userId: admin.id, roles: ['ADMIN'] });
  traderToken = await issuer.token({ userId: trader.id, roles: ['TRADER'] });
}, 60_000);

afterAll(async () => {
  await trading?.stop();
  await issuer?.close();
  await database?.drop();
});

type Gql = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

async function gql(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<Gql> {
  const res = await fetch(trading.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql;
}

const CREATE = `mutation($input: CreateMarketInput!) {
  createMarket(input: $input) { symbol status tickSize lotSize minQuantity baseAsset { code } quoteAsset { code } }
}`;
const solBtc = {
  baseAsset: 'sol',
  quoteAsset: 'BTC',
  tickSize: '0.0000001',
  lotSize: '0.01',
  minQuantity: '0.01',
  minNotional: '0.0001',
  makerFeeRate: '0.001',
  takerFeeRate: '0.0015',
};
const code = (r: Gql) => r.errors?.[0]?.extensions?.code;

describe('createMarket', () => {
  it('refuses anonymous callers and traders', async () => {
    expect(code(await gql(CREATE, { input: solBtc }))).toBe('UNAUTHENTICATED');
    expect(code(await gql(CREATE, { input: solBtc }, 'not-a-token'))).toBe('UNAUTHENTICATED');
    expect(code(await gql(CREATE, { input: solBtc }, traderToken))).toBe('FORBIDDEN');
    expect(await database.db.market.count({ where: { symbol: 'SOL-BTC' } })).toBe(0);
  });

  it('names the field that is wrong and changes nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ baseAsset: 'DOGE' }, 'baseAsset'],
      [{ quoteAsset: 'SOL' }, 'quoteAsset'],
      [{ tickSize: '0' }, 'tickSize'],
      [{ tickSize: '0.000000001' }, 'tickSize'], // BTC has 8 decimals
      [{ lotSize: '0.0000000001' }, 'lotSize'], // SOL has 9 decimals
      [{ minQuantity: '0.015' }, 'minQuantity'],
      [{ minNotional: '-1' }, 'minNotional'],
      [{ takerFeeRate: '0.5' }, 'takerFeeRate'],
      [
        {
          baseAsset: 'BTC',
          quoteAsset: 'USDT',
          tickSize: '0.01',
          lotSize: '0.00001',
          minQuantity: '0.00001',
        },
        'baseAsset',
      ],
    ];
    for (const [change, field] of cases) {
      const result = await gql(CREATE, { input: { ...solBtc, ...change } }, adminToken);
      expect(code(result), JSON.stringify(change)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.field, JSON.stringify(change)).toBe(field);
    }
    expect(await database.db.market.count()).toBe(4);
  });

  it('lists a market for an admin, with an audit row', async () => {
    const result = await gql(CREATE, { input: solBtc }, adminToken);
    expect(result.errors).toBeUndefined();
    expect(result.data?.createMarket).toEqual({
      symbol: 'SOL-BTC',
      status: 'TRADING',
      tickSize: '0.0000001',
      lotSize: '0.01',
      minQuantity: '0.01',
      baseAsset: { code: 'SOL' },
      quoteAsset: { code: 'BTC' },
    });
    const audit = await database.db.auditLog.findMany({ where: { action: 'market.created' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toEqual({ symbol: 'SOL-BTC' });
  });
});

describe('setMarketStatus', () => {
  const SET =
    'mutation($m: String!, $s: MarketStatus!) { setMarketStatus(market: $m, status: $s) { symbol status } }';

  it('is ADMIN only', async () => {
    expect(code(await gql(SET, { m: 'BTC-USDT', s: 'HALTED' }, traderToken))).toBe('FORBIDDEN');
    expect((await database.db.market.findUnique({ where: { symbol: 'BTC-USDT' } }))?.status).toBe(
      'TRADING',
    );
  });

  it('halts and resumes a market, auditing each change', async () => {
    const halted = await gql(SET, { m: 'btc-usdt', s: 'HALTED' }, adminToken);
    expect(halted.data?.setMarketStatus).toEqual({ symbol: 'BTC-USDT', status: 'HALTED' });
    const resumed = await gql(SET, { m: 'BTC-USDT', s: 'TRADING' }, adminToken);
    expect(resumed.data?.setMarketStatus).toEqual({ symbol: 'BTC-USDT', status: 'TRADING' });
    const actions = (await database.db.auditLog.findMany({ orderBy: { id: 'asc' } })).map(
      (a) => a.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['market.halted', 'market.resumed']));
  });

  it('answers NOT_FOUND for an unknown market', async () => {
    expect(code(await gql(SET, { m: 'XYZ-USDT', s: 'HALTED' }, adminToken))).toBe('NOT_FOUND');
  });

  it('refuses orders in unknown markets without remembering their names', async () => {
    const PLACE = `mutation($m: String!) { placeOrder(input: { market: $m, side: BUY, type: LIMIT,
      price: "1", quantity: "1" }) { id } }`;
    const before = cachedMarketCount(database.db);
    for (let i = 0; i < 20; i++) {
      expect(code(await gql(PLACE, { m: `NOPE${i}-USDT` }, traderToken))).toBe('NOT_FOUND');
    }
    expect(cachedMarketCount(database.db)).toBe(before);
  });
});
