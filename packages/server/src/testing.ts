// Test plumbing shared by subgraph tests and the cross-service journeys: a real token issuer
// for tests that run without the auth subgraph (it signs access tokens exactly as auth does
// and serves its JWKS over HTTP, so the code under test verifies tokens through its normal
// JWKS path), helpers for calling a GraphQL endpoint, graphql-ws subscriptions, and the
// client-side order book a subscriber keeps from `orderBook` events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '@flowex/config';
import { createClient } from 'graphql-ws';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { type Role, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './identity.ts';

export interface TestIssuer {
  jwksUrl: string;
  token(claims: {
    userId: string;
    roles?: Role[];
    accountNo?: number;
    expiresInSeconds?: number;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: TOKEN_ALGORITHM, use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    token: ({ userId, roles = ['TRADER'], accountNo = 1, expiresInSeconds = 900 }) =>
      new SignJWT({ roles, sid: `session-${userId}`, acct: accountNo })
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'test' })
        .setSubject(userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
        .sign(privateKey),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// --- calling one subgraph directly: config, GraphQL over HTTP, unique names -----------

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Config for a test service: random ports, its own key directory, real Redis. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Test files register many accounts, often from one address.
    AUTH_REGISTRATIONS_PER_IP_HOUR: '100000',
    FLOWEX_DATA_DIR: mkdtempSync(join(tmpdir(), 'flowex-test-')),
    REDIS_URL: TEST_REDIS_URL,
    ...overrides,
  });
  return { ...config, AUTH_PORT: 0, WALLET_PORT: 0 };
}

export const uniquePrefix = () => `flowex:test:${randomBytes(4).toString('hex')}`;

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface GqlOptions {
  token?: string | null;
  ip?: string;
  headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are untyped JSON, asserted field by field
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: GqlOptions = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // Every call from its own address unless asked: per-IP limits stay per test.
      'x-forwarded-for': options.ip ?? `198.51.100.${Math.floor(Math.random() * 250) + 1}`,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

/** The one error code of a failed result. */
export const codeOf = (result: GqlResult) => result.errors?.[0]?.extensions?.code;

export const strongPassword = () => `Plum-Orbit-${randomBytes(4).toString('hex')}-Lantern!`;

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  close(): Promise<void>;
}

/** A graphql-ws subscription (to `httpUrl`'s WebSocket) collecting `data[field]` of every event. */
export function subscribe<T = Record<string, unknown>>(
  httpUrl: string,
  query: string,
  field: string,
  token?: string,
): Subscription<T> {
  const client = createClient({
    url: httpUrl.replace('http://', 'ws://'),
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

/** Waits until `check` holds, or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
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
 * otherwise, and check the chain (previousSequence = the prior event's sequence; every break
 * is kept in `gaps`).
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
