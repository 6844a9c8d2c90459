// Market-data journeys through the gateway: traders registered and funded through the
// API, orders through placeOrder/cancelOrder, subscriptions over graphql-ws.
import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { TestPlatform } from '../../src/platform.ts';

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

  async place(input: Json): Promise<Json> {
    const r = await this.gql(
      'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }',
      { i: { market: 'BTC-USDT', type: 'LIMIT', ...input } },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data!.placeOrder;
  }

  cancel(id: string): Promise<GqlResult> {
    return this.gql('mutation($id: ID!) { cancelOrder(id: $id) { id status } }', { id });
  }
}

export async function trader(
  platform: TestPlatform,
  funds: Record<string, string> = { USDT: '1000000', BTC: '100' },
): Promise<Trader> {
  const email = `md-${randomBytes(5).toString('hex')}@example.com`;
  const r = (await platform.graphql(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
    { i: { email, password: `Plum-Orbit-${randomBytes(4).toString('hex')}-Lantern!` } },
  )) as GqlResult;
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  const t = new Trader(platform, r.data!.register.user.id, r.data!.register.accessToken);
  for (const [asset, amount] of Object.entries(funds)) {
    const d = await t.gql(
      'mutation($a: String!, $n: Decimal!) { deposit(asset: $a, amount: $n) { status } }',
      { a: asset, n: amount },
    );
    expect(d.errors, JSON.stringify(d.errors)).toBeUndefined();
  }
  return t;
}

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  close(): Promise<void>;
}

/** A graphql-ws subscription through the gateway collecting `data[field]` of every event. */
export function subscribe<T = Json>(
  platform: TestPlatform,
  query: string,
  field: string,
  token?: string,
): Subscription<T> {
  const client = createClient({
    url: platform.url.replace('http://', 'ws://'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  client.subscribe<Record<string, T>>(
    { query },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) events.push(v.data[field] as T);
      },
      error: (e) => void errors.push(e),
      complete: () => {},
    },
  );
  return { events, errors, close: () => client.dispose() as Promise<void> };
}

export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface PriceLevel {
  price: string;
  quantity: string;
  orderCount: number;
}

export interface BookUpdate {
  market: string;
  snapshot: boolean;
  sequence: string;
  previousSequence: string | null;
  bids: PriceLevel[];
  asks: PriceLevel[];
}

/**
 * What a client does with `orderBook` events: replace on a snapshot, apply changed levels
 * otherwise, and prove the chain (previousSequence = the prior event's sequence).
 */
export class ClientBook {
  sequence: string | null = null;
  readonly gaps: string[] = [];
  private bids = new Map<string, PriceLevel>();
  private asks = new Map<string, PriceLevel>();

  apply(e: BookUpdate): void {
    if (this.sequence !== null && e.previousSequence !== this.sequence) {
      this.gaps.push(`${e.previousSequence} after ${this.sequence}`);
    }
    if (e.snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [side, levels] of [
      [this.bids, e.bids],
      [this.asks, e.asks],
    ] as const) {
      for (const l of levels) {
        if (Number(l.quantity) === 0) side.delete(l.price);
        else side.set(l.price, l);
      }
    }
    this.sequence = e.sequence;
  }

  book(): { bids: PriceLevel[]; asks: PriceLevel[] } {
    return {
      bids: [...this.bids.values()].sort((a, b) => Number(b.price) - Number(a.price)),
      asks: [...this.asks.values()].sort((a, b) => Number(a.price) - Number(b.price)),
    };
  }
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
