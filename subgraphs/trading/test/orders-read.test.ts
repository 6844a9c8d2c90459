// The caller's orders, fills and positions through the subgraph: paging, filters, and
// isolation — another user's order is not found, never revealed.
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import type { RunningService } from '@flowex/server';
import { startTestIssuer, type TestIssuer } from '@flowex/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePositions } from '../src/domain/positions.ts';
import { startTrading } from '../src/main.ts';

let database: TestDatabase;
let issuer: TestIssuer;
let trading: RunningService;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let aliceOrders: bigint[];
let bobOrder: bigint;

beforeAll(async () => {
  database = await createTestDatabase('trading_orders');
  const { db } = database;
  await seedDatabase(db, { sandbox: false });
  issuer = await startTestIssuer();
  trading = await startTrading(
    loadConfig({ TRADING_PORT: '0', LOG_LEVEL: 'silent', JWKS_URL: issuer.jwksUrl }),
    db,
  );
  const a = await db.user.create({ data: { email: 'alice@example.com' } });
  const b = await db.user.create({ data: { email: 'bob@example.com' } });
  alice = { id: a.id, token: await issuer.token({ userId: a.id, accountNo: a.accountNo }) };
  bob = { id: b.id, token: await issuer.token({ userId: b.id, accountNo: b.accountNo }) };

  const order = (userId: string, over: Record<string, unknown>) =>
    db.order.create({
      data: {
        userId,
        marketSymbol: 'BTC-USDT',
        side: 'BUY',
        type: 'LIMIT',
        price: '50000',
        quantity: '1',
        holdAsset: 'USDT',
        ...over,
      },
    });
  const o1 = await order(a.id, {
    status: 'FILLED',
    filledQuantity: '1',
    filledQuoteQuantity: '50000',
  });
  const o2 = await order(a.id, {
    status: 'PARTIALLY_FILLED',
    price: '49000',
    filledQuantity: '0.4',
    filledQuoteQuantity: '19600',
  });
  const o3 = await order(a.id, {
    status: 'ACCEPTED',
    side: 'SELL',
    price: '60000',
    holdAsset: 'BTC',
  });
  const o4 = await order(a.id, {
    status: 'CANCELED',
    marketSymbol: 'ETH-USDT',
    price: '3000',
    quantity: '2',
  });
  const o5 = await order(b.id, { status: 'NEW', side: 'SELL', price: '51000', holdAsset: 'BTC' });
  aliceOrders = [o1.id, o2.id, o3.id, o4.id];
  bobOrder = o5.id;
  const trade1 = await db.trade.create({
    data: {
      marketSymbol: 'BTC-USDT',
      engineSeq: 10,
      price: '50000',
      quantity: '1',
      quoteQuantity: '50000',
      takerSide: 'BUY',
      makerOrderId: o5.id,
      takerOrderId: o1.id,
    },
  });
  const trade2 = await db.trade.create({
    data: {
      marketSymbol: 'BTC-USDT',
      engineSeq: 20,
      price: '49000',
      quantity: '0.4',
      quoteQuantity: '19600',
      takerSide: 'SELL',
      makerOrderId: o2.id,
      takerOrderId: o5.id,
    },
  });
  await db.fill.createMany({
    data: [
      {
        tradeId: trade1.id,
        orderId: o1.id,
        userId: a.id,
        marketSymbol: 'BTC-USDT',
        side: 'BUY',
        price: '50000',
        quantity: '1',
        quoteQuantity: '50000',
        fee: '0.001',
        feeAsset: 'BTC',
        feeRate: '0.001',
        liquidity: 'TAKER',
      },
      {
        tradeId: trade2.id,
        orderId: o2.id,
        userId: a.id,
        marketSymbol: 'BTC-USDT',
        side: 'BUY',
        price: '49000',
        quantity: '0.4',
        quoteQuantity: '19600',
        fee: '0.0004',
        feeAsset: 'BTC',
        feeRate: '0.001',
        liquidity: 'MAKER',
      },
      {
        tradeId: trade1.id,
        orderId: o5.id,
        userId: b.id,
        marketSymbol: 'BTC-USDT',
        side: 'SELL',
        price: '50000',
        quantity: '1',
        quoteQuantity: '50000',
        fee: '50',
        feeAsset: 'USDT',
        feeRate: '0.001',
        liquidity: 'MAKER',
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await trading?.stop();
  await issuer?.close();
  await database?.drop();
});

type Gql<T> = { data: T; errors?: { message: string; extensions: { code: string } }[] };
async function gql<T>(
  query: string,
  token?: string,
  variables?: Record<string, unknown>,
): Promise<Gql<T>> {
  const res = await fetch(trading.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

describe('order(id)', () => {
  it('shows the caller their order with its fills, market and derived amounts', async () => {
    const { data, errors } = await gql<{ order: Record<string, unknown> }>(
      `query($id: ID!) { order(id: $id) { id status side price quantity filledQuantity remainingQuantity averagePrice
        market { symbol } fills { price quantity fee feeAsset liquidity } } }`,
      alice.token,
      { id: aliceOrders[1]!.toString() },
    );
    expect(errors).toBeUndefined();
    expect(data.order).toEqual({
      id: aliceOrders[1]!.toString(),
      status: 'PARTIALLY_FILLED',
      side: 'BUY',
      price: '49000',
      quantity: '1',
      filledQuantity: '0.4',
      remainingQuantity: '0.6',
      averagePrice: '49000',
      market: { symbol: 'BTC-USDT' },
      fills: [
        { price: '49000', quantity: '0.4', fee: '0.0004', feeAsset: 'BTC', liquidity: 'MAKER' },
      ],
    });
  });

  it('shows an accepted order not yet matched as NEW', async () => {
    const { data } = await gql<{ order: { status: string } }>(
      `{ order(id: "${aliceOrders[2]}") { status } }`,
      alice.token,
    );
    expect(data.order.status).toBe('NEW');
  });

  it("answers null for another user's order, an unknown id and garbage alike", async () => {
    for (const id of [bobOrder.toString(), '999999', 'not-an-id', '-1']) {
      const { data, errors } = await gql<{ order: unknown }>(
        'query($id: ID!) { order(id: $id) { id } }',
        alice.token,
        { id },
      );
      expect(errors, id).toBeUndefined();
      expect(data.order, id).toBeNull();
    }
  });

  it('needs a valid token', async () => {
    expect((await gql('{ order(id: "1") { id } }')).errors?.[0]?.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await gql('{ positions { quantity } }', 'garbage')).errors?.[0]?.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('myOrders', () => {
  const Q = `query($first: Int, $after: String, $market: String, $status: [OrderStatus!]) {
    myOrders(first: $first, after: $after, market: $market, status: $status) {
      edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`;
  type Page = {
    myOrders: {
      edges: { node: { id: string; status: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
  };

  it('pages through only the caller’s orders, newest first', async () => {
    const first = await gql<Page>(Q, alice.token, { first: 3 });
    expect(first.data.myOrders.edges.map((e) => e.node.id)).toEqual(
      [aliceOrders[3], aliceOrders[2], aliceOrders[1]].map(String),
    );
    expect(first.data.myOrders.pageInfo.hasNextPage).toBe(true);
    const second = await gql<Page>(Q, alice.token, {
      first: 3,
      after: first.data.myOrders.pageInfo.endCursor,
    });
    expect(second.data.myOrders.edges.map((e) => e.node.id)).toEqual([String(aliceOrders[0])]);
    expect(second.data.myOrders.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by market and status (NEW includes accepted orders)', async () => {
    const eth = await gql<Page>(Q, alice.token, { market: 'eth-usdt' });
    expect(eth.data.myOrders.edges.map((e) => e.node.status)).toEqual(['CANCELED']);
    const open = await gql<Page>(Q, alice.token, { status: ['NEW', 'PARTIALLY_FILLED'] });
    expect(open.data.myOrders.edges.map((e) => e.node.id)).toEqual(
      [aliceOrders[2], aliceOrders[1]].map(String),
    );
  });

  it('pages through open orders of one market too (the open-orders index), and only open ones', async () => {
    const vars = { first: 1, market: 'BTC-USDT', status: ['NEW', 'PARTIALLY_FILLED'] };
    const first = await gql<Page>(Q, alice.token, vars);
    expect(first.data.myOrders.edges.map((e) => e.node.id)).toEqual([String(aliceOrders[2])]);
    expect(first.data.myOrders.pageInfo.hasNextPage).toBe(true);
    const second = await gql<Page>(Q, alice.token, {
      ...vars,
      after: first.data.myOrders.pageInfo.endCursor,
    });
    expect(second.data.myOrders.edges.map((e) => e.node.id)).toEqual([String(aliceOrders[1])]);
    expect(second.data.myOrders.pageInfo.hasNextPage).toBe(false);
    const elsewhere = await gql<Page>(Q, alice.token, { ...vars, market: 'ETH-USDT' });
    expect(elsewhere.data.myOrders.edges).toEqual([]);
    const partly = await gql<Page>(Q, alice.token, { status: ['PARTIALLY_FILLED'] });
    expect(partly.data.myOrders.edges.map((e) => e.node.id)).toEqual([String(aliceOrders[1])]);
  });

  it('answers BAD_USER_INPUT for a forged cursor or page size', async () => {
    expect((await gql(Q, alice.token, { after: 'nonsense' })).errors?.[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await gql(Q, alice.token, { first: 0 })).errors?.[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await gql(Q, alice.token, { first: 1000 })).errors?.[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('myFills and positions', () => {
  it('lists only the caller’s fills', async () => {
    const { data } = await gql<{
      myFills: { edges: { node: { orderId: string; side: string } }[] };
    }>('{ myFills { edges { node { orderId side } } } }', alice.token);
    expect(data.myFills.edges.map((e) => e.node)).toEqual([
      { orderId: String(aliceOrders[1]), side: 'BUY' },
      { orderId: String(aliceOrders[0]), side: 'BUY' },
    ]);
  });

  it('computes the position from the caller’s fills, marked to the last trade', async () => {
    const { data } = await gql<{ positions: Record<string, unknown>[] }>(
      '{ positions { market { symbol } quantity averageEntryPrice markPrice unrealizedPnl realizedPnl } }',
      alice.token,
    );
    // 1.4 BTC bought for 69600 USDT; 0.0014 BTC went to fees → 1.3986 held.
    expect(data.positions).toHaveLength(1);
    const [p] = data.positions as {
      quantity: string;
      averageEntryPrice: string;
      markPrice: string;
      realizedPnl: string;
    }[];
    expect(p).toMatchObject({
      market: { symbol: 'BTC-USDT' },
      quantity: '1.3986',
      markPrice: '49000',
      realizedPnl: '0',
    });
    expect(Number(p!.averageEntryPrice)).toBeCloseTo(69600 / 1.3986, 6);
  });

  it('keeps the position state and folds only the fills after it', async () => {
    const { db } = database;
    const Q = '{ positions { market { symbol } quantity averageEntryPrice realizedPnl } }';
    const first = await gql<{ positions: unknown[] }>(Q, alice.token);
    const last = await db.fill.findFirstOrThrow({
      where: { userId: alice.id },
      orderBy: { id: 'desc' },
    });
    const snapshot = await db.positionSnapshot.findUniqueOrThrow({
      where: { userId_marketSymbol: { userId: alice.id, marketSymbol: 'BTC-USDT' } },
    });
    expect(snapshot.lastFillId).toBe(last.id);
    expect(snapshot.quantity.toFixed()).toBe('1.3986');
    // Asked again with nothing new: the same answer from the state alone.
    expect((await gql<{ positions: unknown[] }>(Q, alice.token)).data).toEqual(first.data);
    // A sell after it: the answer equals the fold of the whole history…
    const sell = await db.fill.create({
      data: {
        tradeId: last.tradeId,
        orderId: aliceOrders[2]!,
        userId: alice.id,
        marketSymbol: 'BTC-USDT',
        side: 'SELL',
        price: '52000',
        quantity: '0.5',
        quoteQuantity: '26000',
        fee: '26',
        feeAsset: 'USDT',
        feeRate: '0.001',
        liquidity: 'MAKER',
      },
    });
    const all = await db.fill.findMany({ where: { userId: alice.id }, orderBy: { id: 'asc' } });
    const [expected] = computePositions(all, new Map([['BTC-USDT', null]]));
    const second = await gql<{
      positions: { quantity: string; averageEntryPrice: string; realizedPnl: string }[];
    }>(Q, alice.token);
    expect(second.data.positions).toEqual([
      {
        market: { symbol: 'BTC-USDT' },
        quantity: expected!.quantity.toFixed(),
        averageEntryPrice: expected!.averageEntryPrice!.toFixed(),
        realizedPnl: expected!.realizedPnl.toFixed(),
      },
    ]);
    expect(second.data.positions[0]!.quantity).toBe('0.8986');
    // …and was folded from the stored state: a state changed behind its back shows through.
    await db.positionSnapshot.update({
      where: { userId_marketSymbol: { userId: alice.id, marketSymbol: 'BTC-USDT' } },
      data: { realized: { increment: 1 } },
    });
    const third = await gql<{ positions: { realizedPnl: string }[] }>(Q, alice.token);
    expect(third.data.positions[0]!.realizedPnl).toBe(expected!.realizedPnl.plus(1).toFixed());
    await db.fill.delete({ where: { id: sell.id } });
    await db.positionSnapshot.deleteMany({ where: { userId: alice.id } });
  });
});

describe('User.openOrders', () => {
  it('is only for the account itself', async () => {
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { openOrders { id status } } } }';
    const own = await gql<{ _entities: { openOrders: { id: string }[] }[] }>(query, alice.token, {
      r: [{ __typename: 'User', id: alice.id }],
    });
    expect(own.data._entities[0]!.openOrders.map((o) => o.id)).toEqual(
      [aliceOrders[2], aliceOrders[1]].map(String),
    );
    const other = await gql(query, alice.token, { r: [{ __typename: 'User', id: bob.id }] });
    expect(other.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });
});
