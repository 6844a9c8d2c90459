// Trading journeys through the gateway on the platform as `npm start` runs it: traders
// registered and funded through the API, orders placed through the API, and the money
// checks straight in the database after every scenario.
import { randomBytes } from 'node:crypto';
import type { Db } from '@flowex/db';
import { expect } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../src/platform.ts';

export const ORDER_FIELDS = `id clientOrderId status side type timeInForce price stopPrice quantity
  quoteQuantity displayQuantity filledQuantity filledQuoteQuantity remainingQuantity averagePrice
  rejectReason market { symbol }
  fills { price quantity quoteQuantity fee feeAsset liquidity }`;

// biome-ignore lint/suspicious/noExplicitAny: responses are untyped JSON, asserted field by field
export type Json = Record<string, any>;

export interface GqlResult {
  data?: Json | null;
  errors?: { message: string; extensions?: Json }[];
}

export class Trader {
  constructor(
    readonly platform: TestPlatform,
    readonly id: string,
    readonly token: string,
  ) {}

  gql(query: string, variables: Json = {}): Promise<GqlResult> {
    return this.platform.graphql(query, variables, this.token) as Promise<GqlResult>;
  }

  /** placeOrder; the result (or errors) as returned. */
  place(input: Json): Promise<GqlResult> {
    return this.gql(
      `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { ${ORDER_FIELDS} } }`,
      { i: { market: 'BTC-USDT', ...input } },
    );
  }

  /** placeOrder that must succeed: the order. */
  async order(input: Json): Promise<Json> {
    const r = await this.place(input);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data!.placeOrder;
  }

  async cancel(id: string): Promise<GqlResult> {
    return this.gql(`mutation($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`, { id });
  }

  async amend(id: string, args: { quantity?: string; price?: string }): Promise<GqlResult> {
    return this.gql(
      `mutation($id: ID!, $q: Decimal, $p: Decimal) {
         amendOrder(id: $id, quantity: $q, price: $p) { ${ORDER_FIELDS} } }`,
      { id, q: args.quantity, p: args.price },
    );
  }

  async get(id: string): Promise<Json | null> {
    const r = await this.gql(`query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id });
    expect(r.errors).toBeUndefined();
    return r.data!.order;
  }

  /** Balances by asset: [available, locked]. */
  async balances(): Promise<Record<string, [string, string]>> {
    const r = await this.gql('{ me { balances { asset available locked } } }');
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const out: Record<string, [string, string]> = {};
    for (const b of r.data!.me.balances) out[b.asset] = [b.available, b.locked];
    return out;
  }

  async deposit(asset: string, amount: string): Promise<void> {
    const r = await this.gql(
      'mutation($a: String!, $n: Decimal!) { deposit(asset: $a, amount: $n) { status } }',
      { a: asset, n: amount },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  }
}

/** Traders of the running scenario: `cleanup` cancels what they left in the books. */
const active: Trader[] = [];

export async function cleanup(): Promise<void> {
  for (const t of active.splice(0)) {
    const r = await t.gql('mutation { cancelAllOrders }');
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  }
}

export async function startTrading(): Promise<TestPlatform> {
  return startTestPlatform({ env: { LOG_LEVEL: 'warn' } });
}

/** A new trader, registered through the gateway and funded through sandbox deposits. */
export async function trader(
  platform: TestPlatform,
  funds: Record<string, string> = { USDT: '100000', BTC: '10' },
): Promise<Trader> {
  const email = `t-${randomBytes(5).toString('hex')}@example.com`;
  const r = (await platform.graphql(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
    { i: { email, password: `Plum-Orbit-${randomBytes(4).toString('hex')}-Lantern!` } },
  )) as GqlResult;
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  const t = new Trader(platform, r.data!.register.user.id, r.data!.register.accessToken);
  for (const [asset, amount] of Object.entries(funds)) await t.deposit(asset, amount);
  active.push(t);
  return t;
}

export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

/**
 * Holds released to the cent: per user and asset, locked == the open orders' holdRemaining
 * + pending withdrawals; every balance equals its ledger; every journal sums to zero.
 */
export async function assertHolds(db: Db): Promise<void> {
  const wrong = await db.$queryRawUnsafe<{ userId: string; asset: string; locked: string }[]>(
    `SELECT * FROM (
       SELECT b."userId"::text AS "userId", b."assetCode" AS asset, b.locked::text AS locked,
              COALESCE((SELECT SUM(o."holdRemaining") FROM "Order" o WHERE o."userId" = b."userId"
                  AND o."holdAsset" = b."assetCode"
                  AND o.status IN ('ACCEPTED','PENDING_TRIGGER','NEW','PARTIALLY_FILLED')), 0)
            + COALESCE((SELECT SUM(-t.amount) FROM "Transaction" t WHERE t."userId" = b."userId"
                  AND t."assetCode" = b."assetCode" AND t.type = 'WITHDRAWAL'
                  AND t.status = 'PENDING'), 0) AS held,
              b.locked AS l
         FROM "Balance" b) x
      WHERE x.l <> x.held`,
  );
  expect(wrong, 'locked balances that differ from what open orders and withdrawals hold').toEqual(
    [],
  );
  const closedHolding = await db.order.count({
    where: {
      status: { in: ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'] },
      holdRemaining: { not: 0 },
    },
  });
  expect(closedHolding, 'closed orders still holding funds').toBe(0);
  const unbalanced = await db.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*)::bigint AS n FROM (
      SELECT "journalId", "assetCode" FROM "LedgerEntry" GROUP BY 1, 2 HAVING SUM(amount) <> 0) j`;
  expect(Number(unbalanced[0]!.n), 'unbalanced journals').toBe(0);
  const drift = await db.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*)::bigint AS n FROM "Balance" b WHERE
      b.available <> COALESCE((SELECT SUM(amount) FROM "LedgerEntry" l WHERE l."userId" = b."userId"
        AND l."assetCode" = b."assetCode" AND l.bucket = 'AVAILABLE'), 0)
      OR b.locked <> COALESCE((SELECT SUM(amount) FROM "LedgerEntry" l WHERE l."userId" = b."userId"
        AND l."assetCode" = b."assetCode" AND l.bucket = 'LOCKED'), 0)`;
  expect(Number(drift[0]!.n), 'balances that differ from their ledger').toBe(0);
}
