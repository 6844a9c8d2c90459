// Traders and subscriptions for journeys through the gateway: users registered and funded
// through the API, orders through placeOrder and friends, live events over graphql-ws.
import { randomBytes } from 'node:crypto';
import { type Subscription, subscribe as subscribeTo } from '@flowex/server/testing';
import { expect } from 'vitest';
import type { TestPlatform } from './platform.ts';

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

export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

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
      { i: { market: 'BTC-USDT', type: 'LIMIT', ...input } },
    );
  }

  /** placeOrder that must succeed (a LIMIT on BTC-USDT unless said otherwise): the order. */
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

/** A new trader, registered through the gateway and funded through sandbox deposits. */
export async function newTrader(
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
  return t;
}

export { type Subscription, until } from '@flowex/server/testing';

/** A graphql-ws subscription through the gateway collecting `data[field]` of every event. */
export function subscribe<T = Json>(
  platform: TestPlatform,
  query: string,
  field: string,
  token?: string,
): Subscription<T> {
  return subscribeTo<T>(platform.url, query, field, token);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
