import { MemoryBus } from '@flowex/bus';
import type { Config } from '@flowex/config';
import { FEE_ACCOUNT_EMAIL, seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { currentTotpCode } from '@flowex/security';
import type { RunningService } from '@flowex/server';
import { startAuth } from '@flowex/subgraph-auth/main';
import type { BalanceView } from '@flowex/subgraph-wallet/main';
import { BusBalancePublisher, startWallet } from '@flowex/subgraph-wallet/main';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql, strongPassword, testConfig, uniquePrefix } from './helpers.ts';
import { assertLedgerInvariant } from './invariant.ts';

let tdb: TestDatabase;
let auth: RunningService;
let wallet: RunningService;
let pendingWallet: RunningService;
let config: Config;
const publisher = new BusBalancePublisher(new MemoryBus());

interface Account {
  id: string;
  token: string;
}

const TX = 'id asset type status amount fee address reference createdAt updatedAt';
const DEPOSIT = `mutation($a: String!, $n: Decimal!) { deposit(asset: $a, amount: $n) { ${TX} } }`;
const WITHDRAW = `mutation($a: String!, $n: Decimal!, $to: String!, $code: String) {
  requestWithdrawal(asset: $a, amount: $n, address: $to, twoFactorCode: $code) { ${TX} } }`;
const BALANCE = 'query($a: String!) { balance(asset: $a) { asset available locked total } }';
const ADDRESS = '0x1111111111111111111111111111111111111111';

let alice: Account;
let bob: Account;
let admin: Account;

async function register(email: string): Promise<Account> {
  const r = await gql(
    auth.url,
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
    { i: { email, password: strongPassword() } },
  );
  expect(r.errors).toBeUndefined();
  return { id: r.data!.register.user.id, token: r.data!.register.accessToken };
}

const w = (query: string, variables: Record<string, unknown>, who?: Account | null) =>
  gql(wallet.url, query, variables, { token: who?.token ?? null });

const balanceOf = async (who: Account, asset: string) =>
  (await w(BALANCE, { a: asset }, who)).data!.balance as {
    available: string;
    locked: string;
    total: string;
  };

beforeAll(async () => {
  tdb = await createTestDatabase('wallet');
  await seedDatabase(tdb.db, { sandbox: true });
  config = testConfig();
  auth = await startAuth(config, tdb.db, { rateLimitPrefix: uniquePrefix() });
  const jwksUrl = auth.url.replace('/graphql', '/.well-known/jwks.json');
  config = { ...config, jwksUrl };
  wallet = await startWallet(config, tdb.db, { publisher, rateLimitPrefix: uniquePrefix() });
  pendingWallet = await startWallet({ ...config, sandbox: false }, tdb.db);
  [alice, bob] = await Promise.all([register('alice@example.com'), register('bob@example.com')]);
  const r = await gql(
    auth.url,
    'mutation { login(email: "admin@flowex.com", password: "admin123") { accessToken user { id } } }',
  );
  admin = { id: r.data!.login.user.id, token: r.data!.login.accessToken };
}, 60_000);

afterEach(async () => {
  await assertLedgerInvariant(tdb.db);
});

afterAll(async () => {
  await wallet?.stop();
  await pendingWallet?.stop();
  await auth?.stop();
  await tdb?.drop();
});

describe('balances', () => {
  it('lists every asset, zero where there is no row; balance of a known asset is zero', async () => {
    const r = await w('{ balances { asset available locked total } }', {}, alice);
    expect(r.data!.balances.map((b: { asset: string }) => b.asset)).toEqual([
      'BTC',
      'ETH',
      'SOL',
      'USDT',
    ]);
    expect(r.data!.balances[0]).toEqual({ asset: 'BTC', available: '0', locked: '0', total: '0' });
    expect(await balanceOf(alice, 'eth')).toEqual({
      asset: 'ETH',
      available: '0',
      locked: '0',
      total: '0',
    });
  });

  it('an unknown asset is NOT_FOUND; no token is UNAUTHENTICATED; a bad token too', async () => {
    expect(codeOf(await w(BALANCE, { a: 'DOGE' }, alice))).toBe('NOT_FOUND');
    expect(codeOf(await w(BALANCE, { a: 'BTC' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await w('{ balances { asset } }', {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(wallet.url, '{ balances { asset } }', {}, { token: 'x.y.z' }))).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('deposits', () => {
  it('sandbox: completes at once, credits the balance, writes a balanced journal, publishes', async () => {
    const events = await publisher.subscribe(alice.id);
    const r = await w(DEPOSIT, { a: 'BTC', n: '1.5' }, alice);
    expect(r.errors).toBeUndefined();
    expect(r.data!.deposit).toMatchObject({
      asset: 'BTC',
      type: 'DEPOSIT',
      status: 'COMPLETED',
      amount: '1.5',
      fee: '0',
    });
    expect(await balanceOf(alice, 'BTC')).toMatchObject({
      available: '1.5',
      locked: '0',
      total: '1.5',
    });
    const event = (await events.next()).value as BalanceView;
    expect(event.asset).toBe('BTC');
    expect(event.available.toFixed()).toBe('1.5');
    await events.return?.();
    const entries = await tdb.db.ledgerEntry.findMany({
      where: { reference: `tx:${r.data!.deposit.id}` },
    });
    expect(entries.map((e) => [e.bucket, e.amount.toFixed()]).sort()).toEqual([
      ['AVAILABLE', '1.5'],
      ['EXTERNAL', '-1.5'],
    ]);
  });

  it('refuses more decimals than the asset has, non-positive amounts, floats, unknown assets', async () => {
    expect(codeOf(await w(DEPOSIT, { a: 'BTC', n: '0.123456789' }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(DEPOSIT, { a: 'USDT', n: '1.0000001' }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(DEPOSIT, { a: 'BTC', n: '0' }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(DEPOSIT, { a: 'BTC', n: '-1' }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(DEPOSIT, { a: 'BTC', n: 1.5 }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(DEPOSIT, { a: 'DOGE', n: '1' }, alice))).toBe('NOT_FOUND');
    expect(codeOf(await w(DEPOSIT, { a: 'BTC', n: '1' }))).toBe('UNAUTHENTICATED');
  });

  it('outside sandbox: PENDING until an ADMIN confirms; traders get FORBIDDEN', async () => {
    const p = await gql(pendingWallet.url, DEPOSIT, { a: 'ETH', n: '2' }, { token: alice.token });
    const dep = p.data!.deposit;
    expect(dep.status).toBe('PENDING');
    expect(await balanceOf(alice, 'ETH')).toMatchObject({ available: '0' });
    const CONFIRM = `mutation($id: ID!) { confirmDeposit(id: $id) { ${TX} } }`;
    expect(codeOf(await w(CONFIRM, { id: dep.id }, alice))).toBe('FORBIDDEN');
    expect(codeOf(await w(CONFIRM, { id: dep.id }, bob))).toBe('FORBIDDEN');
    expect(codeOf(await w(CONFIRM, { id: dep.id }))).toBe('UNAUTHENTICATED');
    const ok = await w(CONFIRM, { id: dep.id }, admin);
    expect(ok.data!.confirmDeposit.status).toBe('COMPLETED');
    expect(await balanceOf(alice, 'ETH')).toMatchObject({ available: '2' });
    expect(codeOf(await w(CONFIRM, { id: dep.id }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(CONFIRM, { id: '00000000-0000-4000-8000-000000000000' }, admin))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await w(CONFIRM, { id: 'nope' }, admin))).toBe('NOT_FOUND');
  });
});

describe('transactions', () => {
  it('is a Relay connection, newest first, with asset and type filters', async () => {
    for (const n of ['1', '2', '3']) await w(DEPOSIT, { a: 'SOL', n }, bob);
    const Q = `query($a: String, $t: TransactionType, $f: Int, $after: String) {
      transactions(asset: $a, type: $t, first: $f, after: $after) {
        edges { cursor node { amount asset type } } pageInfo { hasNextPage endCursor } } }`;
    const p1 = (await w(Q, { a: 'SOL', f: 2 }, bob)).data!.transactions;
    expect(p1.edges.map((e: { node: { amount: string } }) => e.node.amount)).toEqual(['3', '2']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (await w(Q, { a: 'SOL', f: 2, after: p1.pageInfo.endCursor }, bob)).data!
      .transactions;
    expect(p2.edges.map((e: { node: { amount: string } }) => e.node.amount)).toEqual(['1']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect((await w(Q, { t: 'WITHDRAWAL' }, bob)).data!.transactions.edges).toEqual([]);
    expect((await w(Q, { a: 'BTC' }, bob)).data!.transactions.edges).toEqual([]);
    expect(codeOf(await w(Q, { after: 'garbage' }, bob))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(Q, { f: 0 }, bob))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(Q, { f: 201 }, bob))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(Q, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('deposit addresses', () => {
  it('are stable per user and asset, unique, and listed', async () => {
    const Q = 'query($a: String!) { depositAddress(asset: $a) { asset address memo } }';
    const a1 = (await w(Q, { a: 'BTC' }, alice)).data!.depositAddress;
    const a2 = (await w(Q, { a: 'btc' }, alice)).data!.depositAddress;
    expect(a1).toEqual(a2);
    expect(a1.address).toMatch(/^bc1q[02-9ac-hj-np-z]{32}$/);
    const eth = (await w(Q, { a: 'ETH' }, alice)).data!.depositAddress.address;
    expect(eth).toMatch(/^0x[0-9a-f]{40}$/);
    const bobs = (await w(Q, { a: 'BTC' }, bob)).data!.depositAddress.address;
    expect(new Set([a1.address, eth, bobs]).size).toBe(3);
    const list = (await w('{ depositAddresses { asset address } }', {}, alice)).data!
      .depositAddresses;
    expect(list.map((d: { asset: string }) => d.asset)).toEqual(['BTC', 'ETH']);
    expect(codeOf(await w(Q, { a: 'DOGE' }, alice))).toBe('NOT_FOUND');
    expect(codeOf(await w(Q, { a: 'BTC' }))).toBe('UNAUTHENTICATED');
  });
});

describe('withdrawals', () => {
  const CANCEL = `mutation($id: ID!) { cancelWithdrawal(id: $id) { ${TX} } }`;
  const APPROVE = `mutation($id: ID!) { approveWithdrawal(id: $id) { ${TX} } }`;
  const REJECT = `mutation($id: ID!, $r: String!) { rejectWithdrawal(id: $id, reason: $r) { ${TX} } }`;

  it('validates amount, decimals, minimum, address and funds', async () => {
    await w(DEPOSIT, { a: 'USDT', n: '100' }, alice);
    expect(codeOf(await w(WITHDRAW, { a: 'USDT', n: '9.99', to: ADDRESS }, alice))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await w(WITHDRAW, { a: 'USDT', n: '10.0000001', to: ADDRESS }, alice))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await w(WITHDRAW, { a: 'USDT', n: '20', to: 'bad address!' }, alice))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await w(WITHDRAW, { a: 'USDT', n: '100.000001', to: ADDRESS }, alice))).toBe(
      'INSUFFICIENT_FUNDS',
    );
    expect(codeOf(await w(WITHDRAW, { a: 'DOGE', n: '20', to: ADDRESS }, alice))).toBe('NOT_FOUND');
    expect(codeOf(await w(WITHDRAW, { a: 'USDT', n: '20', to: ADDRESS }))).toBe('UNAUTHENTICATED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ available: '100', locked: '0' });
  });

  it('holds the amount; the owner can cancel a pending one, once', async () => {
    const r = await w(WITHDRAW, { a: 'USDT', n: '30', to: ADDRESS }, alice);
    const wd = r.data!.requestWithdrawal;
    expect(wd).toMatchObject({ status: 'PENDING', amount: '-30', fee: '1', address: ADDRESS });
    expect(await balanceOf(alice, 'USDT')).toMatchObject({
      available: '70',
      locked: '30',
      total: '100',
    });
    const c = await w(CANCEL, { id: wd.id }, alice);
    expect(c.data!.cancelWithdrawal.status).toBe('CANCELED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ available: '100', locked: '0' });
    expect(codeOf(await w(CANCEL, { id: wd.id }, alice))).toBe('BAD_USER_INPUT');
  });

  it('ADMIN approves: amount − fee leaves, the fee goes to the fee account; traders get FORBIDDEN', async () => {
    const wd = (await w(WITHDRAW, { a: 'USDT', n: '40', to: ADDRESS }, alice)).data!
      .requestWithdrawal;
    expect(codeOf(await w(APPROVE, { id: wd.id }, alice))).toBe('FORBIDDEN');
    expect(codeOf(await w(APPROVE, { id: wd.id }, bob))).toBe('FORBIDDEN');
    expect(codeOf(await w(REJECT, { id: wd.id, r: 'no' }, alice))).toBe('FORBIDDEN');
    const ok = await w(APPROVE, { id: wd.id }, admin);
    expect(ok.data!.approveWithdrawal.status).toBe('COMPLETED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({
      available: '60',
      locked: '0',
      total: '60',
    });
    const fees = await tdb.db.user.findUniqueOrThrow({ where: { email: FEE_ACCOUNT_EMAIL } });
    const feeBalance = await tdb.db.balance.findUniqueOrThrow({
      where: { userId_assetCode: { userId: fees.id, assetCode: 'USDT' } },
    });
    expect(feeBalance.available.toFixed()).toBe('1');
    expect(codeOf(await w(APPROVE, { id: wd.id }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(CANCEL, { id: wd.id }, alice))).toBe('BAD_USER_INPUT');
    expect(codeOf(await w(APPROVE, { id: '00000000-0000-4000-8000-000000000000' }, admin))).toBe(
      'NOT_FOUND',
    );
  });

  it('ADMIN rejects with a reason: the hold returns', async () => {
    const wd = (await w(WITHDRAW, { a: 'USDT', n: '50', to: ADDRESS }, alice)).data!
      .requestWithdrawal;
    expect(codeOf(await w(REJECT, { id: wd.id, r: '  ' }, admin))).toBe('BAD_USER_INPUT');
    const r = await w(REJECT, { id: wd.id, r: 'address on a sanctions list' }, admin);
    expect(r.data!.rejectWithdrawal).toMatchObject({
      status: 'REJECTED',
      reference: 'address on a sanctions list',
    });
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ available: '60', locked: '0' });
    expect(codeOf(await w(REJECT, { id: wd.id, r: 'again' }, admin))).toBe('BAD_USER_INPUT');
  });

  it('asks for the 2FA code when 2FA is on; a code works once; wrong codes are rate-limited', async () => {
    const carol = await register('carol@example.com');
    await w(DEPOSIT, { a: 'USDT', n: '1000' }, carol);
    // Stay clear of a 30 s step boundary so the three codes below stay in the window.
    const intoStep = (Date.now() / 1000) % 30;
    if (intoStep > 25) await new Promise((r) => setTimeout(r, (31 - intoStep) * 1000));
    const setup = await gql(
      auth.url,
      'mutation { setupTwoFactor { secret otpauthUrl } }',
      {},
      { token: carol.token },
    );
    const secret = setup.data!.setupTwoFactor.secret;
    const enable = await gql(
      auth.url,
      'mutation($c: String!) { enableTwoFactor(code: $c) }',
      { c: currentTotpCode(secret, Date.now() - 30_000) },
      { token: carol.token },
    );
    expect(enable.data!.enableTwoFactor).toBe(true);

    const args = { a: 'USDT', n: '10', to: ADDRESS };
    expect(codeOf(await w(WITHDRAW, args, carol))).toBe('TWO_FACTOR_REQUIRED');
    expect(
      codeOf(
        await w(
          WITHDRAW,
          { ...args, code: '000000' === currentTotpCode(secret) ? '111111' : '000000' },
          carol,
        ),
      ),
    ).toBe('INVALID_TWO_FACTOR_CODE');
    const code = currentTotpCode(secret);
    expect((await w(WITHDRAW, { ...args, code }, carol)).errors).toBeUndefined();
    expect(codeOf(await w(WITHDRAW, { ...args, code }, carol))).toBe('INVALID_TWO_FACTOR_CODE');
    // 5 wrong codes (2 above) and the next answer is RATE_LIMITED, even for a good code.
    for (let i = 0; i < 3; i++) await w(WITHDRAW, { ...args, code: 'abcdef' }, carol);
    const limited = await w(
      WITHDRAW,
      { ...args, code: currentTotpCode(secret, Date.now() + 30_000) },
      carol,
    );
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(await balanceOf(carol, 'USDT')).toMatchObject({ available: '990', locked: '10' });
  });
});

describe('concurrency', () => {
  it('200 concurrent withdrawals against one balance never overdraw it', async () => {
    const dave = await register('dave@example.com');
    await w(DEPOSIT, { a: 'USDT', n: '1000' }, dave);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => w(WITHDRAW, { a: 'USDT', n: '15', to: ADDRESS }, dave)),
    );
    const ok = results.filter((r) => !r.errors);
    const codes = results.filter((r) => r.errors).map(codeOf);
    expect(ok.length).toBe(66); // floor(1000 / 15)
    expect(new Set(codes)).toEqual(new Set(['INSUFFICIENT_FUNDS']));
    expect(await balanceOf(dave, 'USDT')).toEqual({
      asset: 'USDT',
      available: '10',
      locked: '990',
      total: '1000',
    });
    expect(
      await tdb.db.transaction.count({
        where: { userId: dave.id, type: 'WITHDRAWAL', status: 'PENDING' },
      }),
    ).toBe(66);
  }, 60_000);
});

describe('isolation: nobody reads or changes another account', () => {
  it('User.balances through federation: own yes, another FORBIDDEN, admin yes', async () => {
    const Q =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id balances { asset total } } } }';
    const own = await w(Q, { r: [{ __typename: 'User', id: alice.id }] }, alice);
    expect(own.errors).toBeUndefined();
    expect(
      own.data!._entities[0].balances.find((b: { asset: string }) => b.asset === 'BTC').total,
    ).toBe('1.5');
    expect(codeOf(await w(Q, { r: [{ __typename: 'User', id: alice.id }] }, bob))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await w(Q, { r: [{ __typename: 'User', id: alice.id }] }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await w(Q, { r: [{ __typename: 'User', id: alice.id }] }, admin)).errors,
    ).toBeUndefined();
  });

  it("another user's withdrawal id: cancel is NOT_FOUND and changes nothing", async () => {
    const wd = (await w(WITHDRAW, { a: 'USDT', n: '10', to: ADDRESS }, alice)).data!
      .requestWithdrawal;
    expect(
      codeOf(
        await w('mutation($id: ID!) { cancelWithdrawal(id: $id) { id } }', { id: wd.id }, bob),
      ),
    ).toBe('NOT_FOUND');
    const row = await tdb.db.transaction.findUniqueOrThrow({ where: { id: wd.id } });
    expect(row.status).toBe('PENDING');
    for (const m of [
      'confirmDeposit(id: $id)',
      'approveWithdrawal(id: $id)',
      'rejectWithdrawal(id: $id, reason: "x")',
    ]) {
      expect(codeOf(await w(`mutation($id: ID!) { ${m} { id } }`, { id: wd.id }, bob))).toBe(
        'FORBIDDEN',
      );
    }
    expect((await tdb.db.transaction.findUniqueOrThrow({ where: { id: wd.id } })).status).toBe(
      'PENDING',
    );
  });

  it('lists only show the caller’s own rows', async () => {
    const tx = (await w('{ transactions(first: 200) { edges { node { id } } } }', {}, bob)).data!
      .transactions.edges;
    const ids = new Set(tx.map((e: { node: { id: string } }) => e.node.id));
    const alices = await tdb.db.transaction.findMany({ where: { userId: alice.id } });
    expect(alices.some((t) => ids.has(t.id))).toBe(false);
    const addrs = (await w('{ depositAddresses { address } }', {}, bob)).data!.depositAddresses;
    const aliceAddrs = await tdb.db.depositAddress.findMany({ where: { userId: alice.id } });
    expect(
      addrs.some((a: { address: string }) => aliceAddrs.some((x) => x.address === a.address)),
    ).toBe(false);
    expect(await balanceOf(bob, 'BTC')).toMatchObject({ total: '0' });
  });
});
