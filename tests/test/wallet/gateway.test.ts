// The same flows through the federated gateway: auth and wallet composed, the token
// forwarded, User.balances resolved by the wallet for `me`.
import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { startGateway } from '@flowex/gateway/main';
import type { RunningService } from '@flowex/server';
import { startAuth } from '@flowex/subgraph-auth/main';
import { startWallet } from '@flowex/subgraph-wallet/main';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { codeOf, gql, strongPassword, testConfig, uniquePrefix } from './helpers.ts';
import { assertLedgerInvariant } from './invariant.ts';

let tdb: TestDatabase;
let auth: RunningService;
let wallet: RunningService;
let gateway: RunningService;
let url: string;

beforeAll(async () => {
  tdb = await createTestDatabase('walletgw');
  await seedDatabase(tdb.db, { sandbox: true });
  let config = testConfig();
  auth = await startAuth(config, tdb.db, { rateLimitPrefix: uniquePrefix() });
  config = { ...config, jwksUrl: auth.url.replace('/graphql', '/.well-known/jwks.json') };
  wallet = await startWallet(config, tdb.db, { rateLimitPrefix: uniquePrefix() });
  gateway = await startGateway(config, {
    port: 0,
    subgraphUrls: { auth: auth.url, wallet: wallet.url },
  });
  url = gateway.url;
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await wallet?.stop();
  await auth?.stop();
  await tdb?.drop();
});

describe('through the gateway', () => {
  it('register, deposit, me { balances }, withdrawal; errors keep their codes', async () => {
    const email = 'gwen@example.com';
    const password = strongPassword();
    const reg = await gql(
      url,
      'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
      {
        i: { email, password },
      },
    );
    expect(reg.errors).toBeUndefined();
    const token = reg.data!.register.accessToken;
    expect(
      codeOf(
        await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
          i: { email, password },
        }),
      ),
    ).toBe('EMAIL_TAKEN');
    expect(
      codeOf(
        await gql(
          url,
          'mutation { login(email: "gwen@example.com", password: "nope") { accessToken } }',
        ),
      ),
    ).toBe('INVALID_CREDENTIALS');

    const dep = await gql(
      url,
      'mutation { deposit(asset: "USDT", amount: "250") { status amount } }',
      {},
      { token },
    );
    expect(dep.data!.deposit).toEqual({ status: 'COMPLETED', amount: '250' });
    const me = await gql(
      url,
      '{ me { email balances { asset available locked total } } }',
      {},
      { token },
    );
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.email).toBe(email);
    expect(me.data!.me.balances).toContainEqual({
      asset: 'USDT',
      available: '250',
      locked: '0',
      total: '250',
    });

    const wd = await gql(
      url,
      'mutation { requestWithdrawal(asset: "USDT", amount: "100", address: "0x2222222222222222222222222222222222222222") { status amount fee } }',
      {},
      { token },
    );
    expect(wd.data!.requestWithdrawal).toEqual({ status: 'PENDING', amount: '-100', fee: '1' });
    expect(
      codeOf(
        await gql(
          url,
          'mutation { requestWithdrawal(asset: "USDT", amount: "1000", address: "0x2222222222222222222222222222222222222222") { id } }',
          {},
          { token },
        ),
      ),
    ).toBe('INSUFFICIENT_FUNDS');
    expect(
      codeOf(
        await gql(
          url,
          'mutation { confirmDeposit(id: "00000000-0000-4000-8000-000000000000") { id } }',
          {},
          { token },
        ),
      ),
    ).toBe('FORBIDDEN');
    expect(codeOf(await gql(url, '{ balances { asset } }'))).toBe('UNAUTHENTICATED');
    await assertLedgerInvariant(tdb.db);
  });

  it("myBalances over the gateway's graphql-ws", async () => {
    const login = await gql(
      url,
      'mutation { login(email: "demo@flowex.com", password: "demo123") { accessToken } }',
    );
    const token = login.data!.login.accessToken;
    const client = createClient({
      url: url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const events: unknown[] = [];
    const dispose = client.subscribe(
      { query: 'subscription { myBalances { asset available } }' },
      {
        next: (v) => void events.push(v),
        error: (e) => void events.push({ error: String(e) }),
        complete: () => {},
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    await gql(url, 'mutation { deposit(asset: "SOL", amount: "3") { id } }', {}, { token });
    const end = Date.now() + 5000;
    while (events.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    expect(events[0]).toEqual({ data: { myBalances: { asset: 'SOL', available: '1003' } } });
    dispose();
    await client.dispose();
    await assertLedgerInvariant(tdb.db);
  });
});
