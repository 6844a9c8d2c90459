// The rest of the write path through the gateway: every error code before the engine
// (nothing stored or held), amend (priority and holds), cancelAllOrders, isolation between
// users, the myOrders subscription, the circuit breaker and fee tiers.
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TestPlatform } from '../../src/platform.ts';
import { assertHolds, cleanup, codeOf, type GqlResult, startTrading, trader } from './helpers.ts';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTrading();
}, 60_000);

afterEach(async () => {
  await cleanup();
  await assertHolds(platform.database.db);
});

afterAll(async () => {
  await platform?.stop();
});

const db = () => platform.database.db;
const limit = (side: string, price: string, quantity: string, extra = {}) => ({
  side,
  type: 'LIMIT',
  price,
  quantity,
  ...extra,
});

async function admin(): Promise<string> {
  const r = (await platform.graphql(
    'mutation { login(email: "admin@flowex.com", password: "admin123") { accessToken } }',
  )) as GqlResult;
  expect(r.errors).toBeUndefined();
  return r.data!.login.accessToken;
}

async function setStatus(market: string, status: string) {
  const r = (await platform.graphql(
    'mutation($m: String!, $s: MarketStatus!) { setMarketStatus(market: $m, status: $s) { status } }',
    { m: market, s: status },
    await admin(),
  )) as GqlResult;
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
}

describe('refused before the engine: a GraphQL error, nothing stored or held', () => {
  it('every error code, with the field named', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const poor = await trader(platform, { USDT: '10' });
    // A last price of 100 for the band.
    await a.order(limit('SELL', '100', '0.1'));
    await b.order(limit('BUY', '100', '0.1'));

    const expectError = async (input: object, code: string, text?: RegExp) => {
      const r = await poor.place(input);
      expect(codeOf(r), JSON.stringify(r)).toBe(code);
      if (text) expect(r.errors![0]!.message).toMatch(text);
    };
    await expectError({ ...limit('BUY', '100', '0.1'), market: 'NOPE-USDT' }, 'NOT_FOUND');
    await expectError(limit('BUY', '100.001', '0.1'), 'BAD_USER_INPUT', /price/);
    await expectError(limit('BUY', '100', '0.000001'), 'BAD_USER_INPUT', /quantity/);
    await expectError(limit('BUY', '100', '0.01'), 'BAD_USER_INPUT', /at least 5/);
    await expectError({ side: 'BUY', type: 'LIMIT', quantity: '0.1' }, 'BAD_USER_INPUT', /price/);
    await expectError(
      { side: 'SELL', type: 'MARKET', quantity: '0.1', price: '100' },
      'BAD_USER_INPUT',
      /price is not allowed/,
    );
    await expectError(
      { ...limit('BUY', '100', '0.1'), stopPrice: '99' },
      'BAD_USER_INPUT',
      /stopPrice/,
    );
    await expectError(
      { side: 'SELL', type: 'MARKET', quoteQuantity: '10' },
      'BAD_USER_INPUT',
      /quoteQuantity/,
    );
    await expectError(limit('BUY', '120.01', '0.1'), 'PRICE_OUT_OF_BAND', /price/);
    await expectError(
      { side: 'SELL', type: 'STOP_LOSS', stopPrice: '79.99', quantity: '0.1' },
      'PRICE_OUT_OF_BAND',
      /stopPrice/,
    );
    await expectError(limit('BUY', '100', '0.11'), 'INSUFFICIENT_FUNDS');
    await expectError(limit('SELL', '100', '0.1'), 'INSUFFICIENT_FUNDS');
    await expectError({ side: 'BUY', type: 'MARKET', quoteQuantity: '11' }, 'INSUFFICIENT_FUNDS');

    await setStatus('BTC-USDT', 'HALTED');
    await expectError(limit('BUY', '100', '0.05'), 'MARKET_HALTED');
    await setStatus('BTC-USDT', 'TRADING');

    await db().market.update({ where: { symbol: 'ETH-USDT' }, data: { maxOpenOrdersPerUser: 2 } });
    const eth = { market: 'ETH-USDT' };
    await a.order({ ...limit('BUY', '100', '0.1'), ...eth });
    await a.order({ ...limit('BUY', '100', '0.1'), ...eth });
    expect(codeOf(await a.place({ ...limit('BUY', '100', '0.1'), ...eth }))).toBe(
      'TOO_MANY_OPEN_ORDERS',
    );
    await db().market.update({
      where: { symbol: 'ETH-USDT' },
      data: { maxOpenOrdersPerUser: 200 },
    });

    const anon = (await platform.graphql(
      'mutation { placeOrder(input: {market: "BTC-USDT", side: BUY, type: LIMIT, price: "100", quantity: "0.1"}) { id } }',
    )) as GqlResult;
    expect(codeOf(anon)).toBe('UNAUTHENTICATED');

    // Nothing stored, nothing held.
    expect(await db().order.count({ where: { userId: poor.id } })).toBe(0);
    expect(await db().engineCommand.count({ where: { userId: poor.id } })).toBe(0);
    expect((await poor.balances()).USDT).toEqual(['10', '0']);
  });
});

describe('amendOrder', () => {
  it('a smaller quantity keeps priority; a larger one or a new price loses it', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => trader(platform)));
    const oa = await a!.order(limit('SELL', '100', '0.3'));
    const ob = await b!.order(limit('SELL', '100', '0.3'));
    const smaller = await a!.amend(oa.id, { quantity: '0.2' });
    expect(smaller.data!.amendOrder).toMatchObject({ status: 'NEW', quantity: '0.2' });
    expect((await a!.balances()).BTC).toEqual(['9.8', '0.2']);
    await c!.order(limit('BUY', '100', '0.1'));
    expect(await a!.get(oa.id)).toMatchObject({ filledQuantity: '0.1' }); // still first

    const larger = await a!.amend(oa.id, { quantity: '0.3' });
    expect(larger.data!.amendOrder).toMatchObject({ quantity: '0.3', remainingQuantity: '0.2' });
    expect((await a!.balances()).BTC).toEqual(['9.7', '0.2']);
    await c!.order(limit('BUY', '100', '0.1'));
    expect(await b!.get(ob.id)).toMatchObject({ filledQuantity: '0.1' }); // b is first now
    expect(await a!.get(oa.id)).toMatchObject({ filledQuantity: '0.1' });

    // A BUY's hold follows its price and quantity to the cent.
    const bid = await c!.order(limit('BUY', '99', '0.2'));
    expect((await c!.balances()).USDT).toEqual(['99960.2', '19.8']);
    await c!.amend(bid.id, { price: '98.01' });
    expect((await c!.balances()).USDT).toEqual(['99960.398', '19.602']);
    await c!.amend(bid.id, { quantity: '0.3' });
    expect((await c!.balances()).USDT).toEqual(['99950.597', '29.403']);
    const moved = await c!.get(bid.id);
    expect(moved).toMatchObject({ price: '98.01', quantity: '0.3', status: 'NEW' });
  });

  it('refuses what cannot be amended', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const o = await a.order(limit('SELL', '100', '0.2'));
    expect(codeOf(await b.amend(o.id, { quantity: '0.1' }))).toBe('NOT_FOUND');
    expect(codeOf(await a.amend(o.id, {}))).toBe('BAD_USER_INPUT');
    expect(codeOf(await a.amend(o.id, { price: '100.001' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await a.amend(o.id, { price: '150' }))).toBe('PRICE_OUT_OF_BAND');
    const stop = await a.order({
      side: 'SELL',
      type: 'STOP_LOSS',
      stopPrice: '90',
      quantity: '0.1',
    });
    expect(codeOf(await a.amend(stop.id, { quantity: '0.2' }))).toBe('BAD_USER_INPUT');
    await a.cancel(o.id);
    expect(codeOf(await a.amend(o.id, { quantity: '0.1' }))).toBe('ORDER_NOT_CANCELABLE');
  });
});

describe('cancelAllOrders', () => {
  it('in one market, then everywhere; holds released', async () => {
    const a = await trader(platform);
    await a.order(limit('BUY', '95', '0.1'));
    await a.order({ side: 'SELL', type: 'STOP_LOSS', stopPrice: '90', quantity: '0.1' });
    await a.order({ ...limit('BUY', '95', '0.1'), market: 'ETH-USDT' });
    const one = await a.gql('mutation { cancelAllOrders(market: "BTC-USDT") }');
    expect(one.data!.cancelAllOrders).toBe(2);
    expect((await a.balances()).BTC).toEqual(['10', '0']);
    const all = await a.gql('mutation { cancelAllOrders }');
    expect(all.data!.cancelAllOrders).toBe(1);
    expect((await a.balances()).USDT).toEqual(['100000', '0']);
    expect(codeOf(await a.gql('mutation { cancelAllOrders(market: "NOPE") }'))).toBe('NOT_FOUND');
  });
});

describe('isolation between users', () => {
  it("one user never sees or touches another's orders", async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const o = await a.order(limit('BUY', '95', '0.1'));
    expect(await b.get(o.id)).toBeNull();
    const mine = await b.gql('{ myOrders { edges { node { id } } } me { openOrders { id } } }');
    expect(mine.data).toEqual({ myOrders: { edges: [] }, me: { openOrders: [] } });
    expect(codeOf(await b.cancel(o.id))).toBe('NOT_FOUND');
    expect(codeOf(await b.amend(o.id, { quantity: '0.05' }))).toBe('NOT_FOUND');
    expect((await b.gql('mutation { cancelAllOrders }')).data!.cancelAllOrders).toBe(0);
    expect((await a.get(o.id))!.status).toBe('NEW');
  });
});

describe('myOrders subscription (graphql-ws through the gateway)', () => {
  it("every change to the caller's orders, and only the caller's", async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const subscribe = (token: string) => {
      const client = createClient({
        url: platform.url.replace('http://', 'ws://'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const events: { id: string; status: string; filledQuantity: string }[] = [];
      client.subscribe(
        { query: 'subscription { myOrders { id status filledQuantity } }' },
        {
          next: (v) => void events.push((v.data as { myOrders: (typeof events)[number] }).myOrders),
          error: (e) =>
            void events.push({ id: 'error', status: JSON.stringify(e), filledQuantity: '' }),
          complete: () => {},
        },
      );
      return { client, events };
    };
    const sa = subscribe(a.token);
    const sb = subscribe(b.token);
    await new Promise((r) => setTimeout(r, 500));
    const o = await a.order(limit('SELL', '100', '0.2'));
    const until = async (check: () => boolean) => {
      const end = Date.now() + 5000;
      while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => sa.events.length >= 1);
    expect(sa.events[0]).toMatchObject({ id: o.id, status: 'NEW' });
    const before = sb.events.length;
    expect(before).toBe(0);
    await b.order(limit('BUY', '100', '0.1'));
    await until(() => sa.events.length >= 2 && sb.events.length >= 1);
    expect(sa.events.at(-1)).toMatchObject({
      id: o.id,
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.1',
    });
    expect(sb.events.map((e) => e.status)).toEqual(['FILLED']);
    expect(sa.events.every((e) => e.id === o.id)).toBe(true);
    await sa.client.dispose();
    await sb.client.dispose();
  });
});

describe('circuit breaker', () => {
  it('halts the market when the last price moves more than 10 % within 5 minutes', async () => {
    const funds = { USDT: '100000', SOL: '100' };
    const a = await trader(platform, funds);
    const b = await trader(platform, funds);
    const sol = (side: string, price: string) => ({
      ...limit(side, price, '1'),
      market: 'SOL-USDT',
    });
    await a.order(sol('SELL', '100'));
    await b.order(sol('BUY', '100'));
    await a.order(sol('SELL', '110'));
    expect((await b.order(sol('BUY', '110'))).status).toBe('FILLED'); // exactly 10 %: trading
    await a.order(sol('SELL', '110.01'));
    expect((await b.order(sol('BUY', '110.01'))).status).toBe('FILLED'); // more: halted after
    const status = await b.gql('{ market(symbol: "SOL-USDT") { status } }');
    expect(status.data!.market.status).toBe('HALTED');
    const audit = await db().auditLog.findMany({ where: { action: 'market.circuit_breaker' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({
      market: 'SOL-USDT',
      fromPrice: '100',
      toPrice: '110.01',
      thresholdPercent: '10',
      windowSeconds: 300,
    });
    expect(codeOf(await a.place(sol('SELL', '110')))).toBe('MARKET_HALTED');
    await setStatus('SOL-USDT', 'TRADING');
    expect((await a.order(sol('SELL', '110'))).status).toBe('NEW');
  });
});

describe('fee tiers', () => {
  it("the rate falls with the user's 30-day quote volume and is recorded on the fill", async () => {
    const t = await trader(platform);
    const b = await trader(platform);
    const o = await t.order(limit('SELL', '100', '0.1'));
    // 2,000,000 USDT of volume ten days ago (kept per day by settlement): tier 1 (maker × 0.9).
    await db().userDailyVolume.create({
      data: {
        userId: t.id,
        quoteAssetCode: 'USDT',
        day: new Date(Date.now() - 10 * 86_400_000),
        quoteVolume: '2000000',
      },
    });
    await b.order(limit('BUY', '100', '0.1'));
    const fills = await db().fill.findMany({ where: { orderId: BigInt(o.id) } });
    expect(fills.map((f) => [f.feeRate.toFixed(), f.fee.toFixed()])).toEqual([['0.0009', '0.009']]);
    const taker = await db().fill.findFirstOrThrow({ where: { userId: b.id } });
    expect(taker.feeRate.toFixed()).toBe('0.001');
    // The trade itself counts in both users' volume of today.
    const today = await db().userDailyVolume.findMany({
      where: { userId: { in: [t.id, b.id] }, day: { gte: new Date(Date.now() - 86_400_000) } },
    });
    expect(today.map((v) => v.quoteVolume.toFixed())).toEqual(['10', '10']);
  });
});
