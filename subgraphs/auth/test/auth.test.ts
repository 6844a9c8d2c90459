import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { createTokenVerifier, type RunningService } from '@flowex/server';
import { Redis } from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../src/domain/auth.ts';
import { startAuth } from '../src/main.ts';
import {
  codeOf,
  gql,
  strongPassword,
  TEST_REDIS_URL,
  testConfig,
  uniquePrefix,
} from './helpers.ts';

const AUTH_FIELDS =
  'accessToken refreshToken accessTokenExpiresAt user { id email roles twoFactorEnabled firstName lastName createdAt }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
const LOGIN = `mutation($email: String!, $password: String!, $code: String) {
  login(email: $email, password: $password, twoFactorCode: $code) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';
const ME = '{ me { id email roles twoFactorEnabled firstName lastName } }';

let tdb: TestDatabase;
let auth: RunningService;
let url: string;
let jwksUrl: string;
const prefix = uniquePrefix();

interface Account {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

async function register(email: string, password = strongPassword()): Promise<Account> {
  const r = await gql(url, REGISTER, { input: { email, password } });
  expect(r.errors).toBeUndefined();
  const p = r.data!.register;
  return {
    id: p.user.id,
    email,
    password,
    accessToken: p.accessToken,
    refreshToken: p.refreshToken,
  };
}

async function login(email: string, password: string, code?: string) {
  return gql(url, LOGIN, { email, password, code });
}

let alice: Account;
const metricsToken = 'auth-metrics-token-0123456789';

beforeAll(async () => {
  tdb = await createTestDatabase('auth');
  await seedDatabase(tdb.db, { sandbox: true });
  auth = await startAuth(testConfig({ METRICS_TOKEN: metricsToken }), tdb.db, {
    rateLimitPrefix: prefix,
    rateLimits: {
      loginPerAccount: { points: 3, duration: 60 },
      loginPerIp: { points: 5, duration: 60 },
      twoFactorPerUser: { points: 4, duration: 60 },
      registerPerIp: { points: 3, duration: 60 },
    },
    sessionPurge: { everyMs: 200, firstAfterMs: 200 },
  });
  url = auth.url;
  jwksUrl = url.replace('/graphql', '/.well-known/jwks.json');
  alice = await register('Alice@Example.com ');
}, 60_000);

afterAll(async () => {
  await auth?.stop();
  await tdb?.drop();
});

const auditActions = async (userId: string) =>
  (await tdb.db.auditLog.findMany({ where: { userId }, orderBy: { id: 'asc' } })).map(
    (a) => a.action,
  );

describe('register', () => {
  it('refuses registrations beyond the per-IP limit before hashing anything, only for that address', async () => {
    const ip = '203.0.113.77';
    const attempt = (email: string, from = ip) =>
      gql(url, REGISTER, { input: { email, password: strongPassword() } }, { ip: from });
    for (let i = 0; i < 3; i++)
      expect((await attempt(`flood${i}@example.com`)).errors).toBeUndefined();
    const refused = await attempt('flood3@example.com');
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(await tdb.db.user.findUnique({ where: { email: 'flood3@example.com' } })).toBeNull();
    expect(
      await tdb.db.auditLog.count({ where: { action: 'auth.register.rate_limited', ip } }),
    ).toBe(1);
    // Another address is unaffected.
    expect((await attempt('flood3@example.com', '203.0.113.78')).errors).toBeUndefined();
  });

  it('normalises the email, stores an argon2id hash with the configured cost, grants TRADER', async () => {
    const user = await tdb.db.user.findUniqueOrThrow({ where: { id: alice.id } });
    expect(user.email).toBe('alice@example.com');
    expect(user.roles).toEqual(['TRADER']);
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await auditActions(alice.id)).toContain('auth.register');
  });

  it('answers EMAIL_TAKEN for the same mailbox in another spelling', async () => {
    const r = await gql(url, REGISTER, {
      input: { email: 'ALICE@example.COM', password: strongPassword() },
    });
    expect(codeOf(r)).toBe('EMAIL_TAKEN');
  });

  it('answers WEAK_PASSWORD with the reason', async () => {
    const r = await gql(url, REGISTER, {
      input: { email: 'weak@example.com', password: 'password123' },
    });
    expect(codeOf(r)).toBe('WEAK_PASSWORD');
    expect(r.errors![0]!.extensions!.reason).toEqual(expect.any(String));
    expect(r.errors![0]!.message).toMatch(/Weak password: .+/);
    const short = await gql(url, REGISTER, {
      input: { email: 'weak@example.com', password: 'aB3$' },
    });
    expect(codeOf(short)).toBe('WEAK_PASSWORD');
  });

  it('answers BAD_USER_INPUT for a malformed email', async () => {
    const r = await gql(url, REGISTER, {
      input: { email: 'not-an-email', password: strongPassword() },
    });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
});

describe('login and tokens', () => {
  it('logs in and issues an EdDSA access token verifiable through the JWKS', async () => {
    const r = await login('alice@example.com', alice.password);
    expect(r.errors).toBeUndefined();
    const payload = r.data!.login;
    const header = decodeProtectedHeader(payload.accessToken);
    expect(header.alg).toBe('EdDSA');
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string; crv: string }[] };
    expect(jwks.keys[0]!.kid).toBe(header.kid);
    expect(jwks.keys[0]!.crv).toBe('Ed25519');
    const identity = await createTokenVerifier(jwksUrl).verify(payload.accessToken);
    expect(identity.userId).toBe(alice.id);
    expect(identity.roles).toEqual(['TRADER']);
    expect(identity.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.accountNo).toBeGreaterThan(0);
    const ttl = new Date(payload.accessTokenExpiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(890_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await tdb.db.session.findMany({ where: { userId: alice.id } });
    expect(stored.some((s) => s.tokenHash === payload.refreshToken)).toBe(false);
    expect(await auditActions(alice.id)).toContain('auth.login.success');
  });

  it('answers INVALID_CREDENTIALS alike, in similar time, for an unknown email and a wrong password', async () => {
    // Each attempt from its own address and each wrong password on its own account, so the
    // failure limits stay out of it; interleaved, five of each: a burst of load on this
    // shared machine slows both kinds alike, and the fastest of five is the work itself.
    let n = 0;
    const time = async (email: string) => {
      const ip = `198.51.100.${++n}`;
      const start = performance.now();
      const r = await gql(url, LOGIN, { email, password: 'Wrong-Password-123!' }, { ip });
      return { r, ms: performance.now() - start };
    };
    const accounts = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => register(`timing${i}@example.com`)),
    );
    await time('nobody-warmup@example.com');
    const unknown: Awaited<ReturnType<typeof time>>[] = [];
    const wrong: Awaited<ReturnType<typeof time>>[] = [];
    for (const account of accounts) {
      unknown.push(await time(`nobody-${account.email}`));
      wrong.push(await time(account.email));
    }
    for (const { r } of [...unknown, ...wrong]) expect(codeOf(r)).toBe('INVALID_CREDENTIALS');
    expect(unknown[0]!.r.errors![0]!.message).toBe(wrong[0]!.r.errors![0]!.message);
    // Both pay for one argon2id verification: the fastest of each within a factor of 2.
    const fastest = (xs: { ms: number }[]) => Math.min(...xs.map((x) => x.ms));
    expect(fastest(unknown)).toBeGreaterThan(fastest(wrong) * 0.5);
    expect(fastest(wrong)).toBeGreaterThan(fastest(unknown) * 0.5);
    const failures = await tdb.db.auditLog.findMany({ where: { action: 'auth.login.failure' } });
    expect(failures.length).toBeGreaterThanOrEqual(2);
    // A good login resets alice's per-account counter.
    expect(codeOf(await login('alice@example.com', alice.password))).toBeUndefined();
  });

  it('lets the seeded sandbox accounts log in with their short passwords', async () => {
    const r = await login('demo@flowex.com', 'demo123');
    expect(r.errors).toBeUndefined();
    expect(r.data!.login.user.roles).toEqual(['TRADER']);
    const admin = await login('admin@flowex.com', 'admin123');
    expect(admin.data!.login.user.roles).toEqual(['ADMIN']);
  });

  it('never lets the fee account log in', async () => {
    expect(codeOf(await login('fees@flowex.internal', ''))).toBe('INVALID_CREDENTIALS');
  });

  it('me: the caller, null without a token, UNAUTHENTICATED for a bad or expired token', async () => {
    const r = await gql(url, ME, {}, { token: alice.accessToken });
    expect(r.data!.me).toMatchObject({ id: alice.id, email: 'alice@example.com' });
    expect((await gql(url, ME)).data!.me).toBeNull();
    expect(codeOf(await gql(url, ME, {}, { token: 'garbage' }))).toBe('UNAUTHENTICATED');
    const [h, , s] = alice.accessToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: alice.id, sid: 'x', roles: ['ADMIN'], iss: 'flowex-auth', aud: 'flowex', exp: 9e9 })).toString('base64url')}.${s}`;
    expect(codeOf(await gql(url, ME, {}, { token: forged }))).toBe('UNAUTHENTICATED');
  });
});

describe('refresh tokens', () => {
  it('rotates on every use; a reused token revokes the whole family', async () => {
    const first = (await login('alice@example.com', alice.password)).data!.login;
    const second = await gql(url, REFRESH, { t: first.refreshToken });
    expect(second.errors).toBeUndefined();
    const secondToken = second.data!.refreshToken.refreshToken;
    expect(secondToken).not.toBe(first.refreshToken);
    const third = await gql(url, REFRESH, { t: secondToken });
    expect(third.errors).toBeUndefined();
    const thirdToken = third.data!.refreshToken.refreshToken;

    // The stolen first token comes back: refused, and the live descendant dies with it.
    expect(codeOf(await gql(url, REFRESH, { t: first.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(url, REFRESH, { t: thirdToken }))).toBe('UNAUTHENTICATED');
    expect(await auditActions(alice.id)).toContain('auth.refresh.reuse_detected');
    // Other sessions are untouched.
    expect(codeOf(await gql(url, REFRESH, { t: alice.refreshToken }))).toBeUndefined();
  });

  it('two concurrent uses of one token: at most one succeeds', async () => {
    const s = (await login('alice@example.com', alice.password)).data!.login;
    const results = await Promise.all(
      [1, 2, 3].map(() => gql(url, REFRESH, { t: s.refreshToken })),
    );
    expect(results.filter((r) => !r.errors).length).toBeLessThanOrEqual(1);
    expect(codeOf(await gql(url, REFRESH, { t: s.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('never extends the session: every rotated token ends when the sign-in did', async () => {
    const endOf = async (token: string) =>
      (
        await tdb.db.session.findUniqueOrThrow({ where: { tokenHash: hashRefreshToken(token) } })
      ).expiresAt.getTime();
    const signIn = (await login('alice@example.com', alice.password)).data!.login;
    const ends = await endOf(signIn.refreshToken);
    expect(ends).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    await new Promise((r) => setTimeout(r, 20));
    const next = (await gql(url, REFRESH, { t: signIn.refreshToken })).data!.refreshToken;
    expect(await endOf(next.refreshToken)).toBe(ends);
    // Once the session's end has passed, its latest token is refused.
    await tdb.db.session.updateMany({
      where: { tokenHash: hashRefreshToken(next.refreshToken) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(codeOf(await gql(url, REFRESH, { t: next.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown token', async () => {
    expect(codeOf(await gql(url, REFRESH, { t: 'nope' }))).toBe('UNAUTHENTICATED');
  });

  it('deletes sessions a day after they ended; live ones stay', async () => {
    const ended = (await login('alice@example.com', alice.password)).data!.login;
    const live = (await login('alice@example.com', alice.password)).data!.login;
    const rowOf = (token: string) =>
      tdb.db.session.findUnique({ where: { tokenHash: hashRefreshToken(token) } });
    const endedFamily = (await rowOf(ended.refreshToken))!.familyId;
    // A session that ended two days ago, and one that ended a moment ago (kept a day).
    await tdb.db.session.updateMany({
      where: { familyId: endedFamily },
      data: { expiresAt: new Date(Date.now() - 2 * 86_400_000) },
    });
    const justEnded = (await login('alice@example.com', alice.password)).data!.login;
    await tdb.db.session.updateMany({
      where: { tokenHash: hashRefreshToken(justEnded.refreshToken) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    // The service's own purge (every 200 ms in this test) removes the first only.
    await expect.poll(() => rowOf(ended.refreshToken), { timeout: 5000 }).toBeNull();
    expect(await rowOf(justEnded.refreshToken)).not.toBeNull();
    expect(await rowOf(live.refreshToken)).not.toBeNull();
    expect(codeOf(await gql(url, REFRESH, { t: ended.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(url, REFRESH, { t: live.refreshToken }))).toBeUndefined();
  });
});

describe('logout', () => {
  it('revokes the session; the refresh token stops working; audited', async () => {
    const s = (await login('alice@example.com', alice.password)).data!.login;
    const r = await gql(url, LOGOUT, { t: s.refreshToken }, { token: s.accessToken });
    expect(r.data!.logout).toBe(true);
    expect(codeOf(await gql(url, REFRESH, { t: s.refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await gql(url, LOGOUT, { t: s.refreshToken })).data!.logout).toBe(false);
    expect(await auditActions(alice.id)).toContain('auth.logout');
  });

  it("cannot end another user's session", async () => {
    const bob = await register('bob@example.com');
    const r = await gql(url, LOGOUT, { t: bob.refreshToken }, { token: alice.accessToken });
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(codeOf(await gql(url, REFRESH, { t: bob.refreshToken }))).toBeUndefined();
  });
});

describe('profile and password', () => {
  it('updateProfile changes only what is given; UNAUTHENTICATED without a token', async () => {
    const m =
      'mutation($f: String, $l: String) { updateProfile(firstName: $f, lastName: $l) { firstName lastName } }';
    const r = await gql(url, m, { f: ' Alice ', l: 'Liddell' }, { token: alice.accessToken });
    expect(r.data!.updateProfile).toEqual({ firstName: 'Alice', lastName: 'Liddell' });
    const r2 = await gql(
      url,
      'mutation { updateProfile(lastName: null) { firstName lastName } }',
      {},
      { token: alice.accessToken },
    );
    expect(r2.data!.updateProfile).toEqual({ firstName: 'Alice', lastName: null });
    expect(codeOf(await gql(url, m, { f: 'x'.repeat(101) }, { token: alice.accessToken }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await gql(url, m, { f: 'Mallory' }))).toBe('UNAUTHENTICATED');
  });

  it('changePassword checks the current one and the new one, and ends every other session', async () => {
    const carl = await register('carl@example.com');
    const other = (await login(carl.email, carl.password)).data!.login;
    const m =
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }';
    expect(
      codeOf(
        await gql(
          url,
          m,
          { c: 'wrong-password', n: strongPassword() },
          { token: carl.accessToken },
        ),
      ),
    ).toBe('INVALID_CREDENTIALS');
    expect(
      codeOf(await gql(url, m, { c: carl.password, n: 'carl12345' }, { token: carl.accessToken })),
    ).toBe('WEAK_PASSWORD');
    expect(codeOf(await gql(url, m, { c: carl.password, n: strongPassword() }))).toBe(
      'UNAUTHENTICATED',
    );
    const next = strongPassword();
    const r = await gql(url, m, { c: carl.password, n: next }, { token: carl.accessToken });
    expect(r.data!.changePassword).toBe(true);
    expect(codeOf(await gql(url, REFRESH, { t: other.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(url, REFRESH, { t: carl.refreshToken }))).toBeUndefined();
    expect(codeOf(await login(carl.email, carl.password))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await login(carl.email, next))).toBeUndefined();
  });
});

describe('isolation', () => {
  it("a user's entity reference resolves only for that user", async () => {
    const bob = (await login('bob@example.com', '')).errors ? null : null;
    expect(bob).toBeNull();
    const q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }';
    const other = await tdb.db.user.findUniqueOrThrow({ where: { email: 'bob@example.com' } });
    const r = await gql(
      url,
      q,
      { r: [{ __typename: 'User', id: other.id }] },
      { token: alice.accessToken },
    );
    expect(r.data!._entities).toEqual([null]);
    const own = await gql(
      url,
      q,
      { r: [{ __typename: 'User', id: alice.id }] },
      { token: alice.accessToken },
    );
    expect(own.data!._entities).toEqual([{ id: alice.id, email: 'alice@example.com' }]);
    const anon = await gql(url, q, { r: [{ __typename: 'User', id: alice.id }] });
    expect(anon.data!._entities).toEqual([null]);
  });
});

describe('rate limits', () => {
  it('per account: after too many failures even the right password is RATE_LIMITED', async () => {
    const dan = await register('dan@example.com');
    for (let i = 0; i < 3; i++) {
      expect(codeOf(await login(dan.email, 'Wrong-Password-1!'))).toBe('INVALID_CREDENTIALS');
    }
    const r = await login(dan.email, dan.password);
    expect(codeOf(r)).toBe('RATE_LIMITED');
    expect(r.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(
      await tdb.db.auditLog.count({ where: { action: 'auth.login.rate_limited' } }),
    ).toBeGreaterThan(0);
    // The counters live in Redis, shared by every auth process.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}:login-account:*`)).toContain(
        `${prefix}:login-account:dan@example.com`,
      );
    } finally {
      redis.disconnect();
    }
  });

  it('per IP: many accounts tried from one address', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < 5; i++) {
      const r = await gql(url, LOGIN, { email: `probe${i}@example.com`, password: 'x' }, { ip });
      expect(codeOf(r)).toBe('INVALID_CREDENTIALS');
    }
    const r = await gql(
      url,
      LOGIN,
      { email: 'alice@example.com', password: alice.password },
      { ip },
    );
    expect(codeOf(r)).toBe('RATE_LIMITED');
    // Another address is unaffected.
    expect(codeOf(await login('alice@example.com', alice.password))).toBeUndefined();
  });
});

describe('/metrics', () => {
  it('times every operation by root field and outcome, for the holder of METRICS_TOKEN only', async () => {
    await gql(url, LOGIN, { email: 'nobody@example.com', password: 'x' });
    const at = url.replace('/graphql', '/metrics');
    expect((await fetch(at)).status).toBe(401);
    const res = await fetch(at, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /flowex_subgraph_operation_seconds_count\{service="auth",field="register",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(
      /flowex_subgraph_operation_seconds_count\{service="auth",field="login",outcome="error"\} [1-9]/,
    );
    expect(text).toMatch(/process_cpu_seconds_total\{service="auth"\}/);
  });
});
