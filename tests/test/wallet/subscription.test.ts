import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import type { RunningService } from '@flowex/server';
import { startAuth } from '@flowex/subgraph-auth/main';
import { startWallet } from '@flowex/subgraph-wallet/main';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, strongPassword, testConfig, uniquePrefix } from './helpers.ts';
import { assertLedgerInvariant } from './invariant.ts';

let tdb: TestDatabase;
let auth: RunningService;
let wallet: RunningService;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase('walletsub');
  await seedDatabase(tdb.db, { sandbox: false });
  let config = testConfig();
  auth = await startAuth(config, tdb.db, { rateLimitPrefix: uniquePrefix() });
  config = { ...config, jwksUrl: auth.url.replace('/graphql', '/.well-known/jwks.json') };
  wallet = await startWallet(config, tdb.db);
  for (const name of ['frank', 'gina']) {
    const r = await gql(
      auth.url,
      'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
      { i: { email: `${name}@example.com`, password: strongPassword() } },
    );
    tokens[name] = r.data!.register.accessToken;
  }
}, 60_000);

afterAll(async () => {
  await assertLedgerInvariant(tdb.db);
  await wallet?.stop();
  await auth?.stop();
  await tdb?.drop();
});

const wsUrl = () => wallet.url.replace('http://', 'ws://');

function subscribe(token: string | null) {
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const events: unknown[] = [];
  const errors: unknown[] = [];
  const done = new Promise<void>((resolve) => {
    client.subscribe(
      { query: 'subscription { myBalances { asset available locked total } }' },
      {
        next: (v) => void events.push(v),
        error: (e) => {
          errors.push(e);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { client, events, errors, done };
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('myBalances over graphql-ws', () => {
  it("publishes every change to the caller's balances, and only to the caller", async () => {
    const frank = subscribe(tokens.frank!);
    const gina = subscribe(tokens.gina!);
    await new Promise((r) => setTimeout(r, 300)); // subscriptions registered
    const dep = 'mutation { deposit(asset: "BTC", amount: "0.25") { status } }';
    expect((await gql(wallet.url, dep, {}, { token: tokens.frank })).errors).toBeUndefined();
    await until(() => frank.events.length > 0);
    expect(frank.events[0]).toEqual({
      data: { myBalances: { asset: 'BTC', available: '0.25', locked: '0', total: '0.25' } },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(gina.events).toEqual([]);
    await frank.client.dispose();
    await gina.client.dispose();
  });

  it('refuses a bad token at connection; UNAUTHENTICATED without one', async () => {
    const bad = subscribe('not-a-token');
    await bad.done;
    expect((bad.errors[0] as { code: number }).code).toBe(4403);
    await bad.client.dispose();
    const anon = subscribe(null);
    await anon.done;
    expect(JSON.stringify([...anon.events, ...anon.errors])).toContain('UNAUTHENTICATED');
    await anon.client.dispose();
  });
});
