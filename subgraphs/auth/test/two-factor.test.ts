import { seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { currentTotpCode, decryptSecret, loadTotpKey } from '@flowex/security';
import type { RunningService } from '@flowex/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth } from '../src/main.ts';
import { codeOf, gql, strongPassword, testConfig, uniquePrefix } from './helpers.ts';

const LOGIN = `mutation($email: String!, $password: String!, $code: String) {
  login(email: $email, password: $password, twoFactorCode: $code) { accessToken user { twoFactorEnabled } } }`;
const SETUP = 'mutation { setupTwoFactor { secret otpauthUrl } }';
const ENABLE = 'mutation($c: String!) { enableTwoFactor(code: $c) }';
const DISABLE = 'mutation($c: String!) { disableTwoFactor(code: $c) }';

let tdb: TestDatabase;
let auth: RunningService;
let url: string;
const config = testConfig();
const email = 'erin@example.com';
const password = strongPassword();
let token: string;
let userId: string;

const at = (offsetSteps: number, secret: string) =>
  currentTotpCode(secret, Date.now() + offsetSteps * 30_000);
/** A wrong code that is not accidentally right for any step in the window. */
const wrongCode = (secret: string) => {
  const valid = new Set([-1, 0, 1].map((s) => at(s, secret)));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
};

beforeAll(async () => {
  tdb = await createTestDatabase('twofactor');
  await seedDatabase(tdb.db, { sandbox: false });
  auth = await startAuth(config, tdb.db, {
    rateLimitPrefix: uniquePrefix(),
    rateLimits: { twoFactorPerUser: { points: 8, duration: 60 } },
  });
  url = auth.url;
  const r = await gql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
    {
      i: { email, password },
    },
  );
  token = r.data!.register.accessToken;
  userId = r.data!.register.user.id;
  // Keep clear of a 30 s step boundary: the codes below use steps -1, 0, +1 of now.
  const intoStep = (Date.now() / 1000) % 30;
  if (intoStep > 22) await new Promise((res) => setTimeout(res, (31 - intoStep) * 1000));
}, 60_000);

afterAll(async () => {
  await auth?.stop();
  await tdb?.drop();
});

const actions = async () =>
  (await tdb.db.auditLog.findMany({ where: { userId }, orderBy: { id: 'asc' } })).map(
    (a) => a.action,
  );

describe('two-factor authentication', () => {
  let secret: string;

  it('setupTwoFactor answers a base32 secret and otpauth URL; the secret is encrypted at rest', async () => {
    expect(codeOf(await gql(url, SETUP))).toBe('UNAUTHENTICATED');
    const r = await gql(url, SETUP, {}, { token });
    secret = r.data!.setupTwoFactor.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const otpauth = new URL(r.data!.setupTwoFactor.otpauthUrl);
    expect(otpauth.protocol).toBe('otpauth:');
    expect(otpauth.searchParams.get('secret')).toBe(secret);
    expect(otpauth.searchParams.get('issuer')).toBe('FlowEx');
    const row = await tdb.db.user.findUniqueOrThrow({ where: { id: userId } });
    expect(row.twoFactorEnabled).toBe(false);
    expect(row.totpSecretEnc).not.toContain(secret);
    expect(decryptSecret(loadTotpKey(config), row.totpSecretEnc!)).toBe(secret);
  });

  it('enableTwoFactor: a wrong code is INVALID_TWO_FACTOR_CODE; the right one turns it on', async () => {
    expect(codeOf(await gql(url, ENABLE, { c: wrongCode(secret) }, { token }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    expect(codeOf(await gql(url, ENABLE, { c: 'abc' }, { token }))).toBe('INVALID_TWO_FACTOR_CODE');
    const r = await gql(url, ENABLE, { c: at(-1, secret) }, { token });
    expect(r.data!.enableTwoFactor).toBe(true);
    expect(codeOf(await gql(url, SETUP, {}, { token }))).toBe('BAD_USER_INPUT');
    expect(await actions()).toContain('auth.2fa.enabled');
  });

  it('login: no code is TWO_FACTOR_REQUIRED, a wrong one INVALID_TWO_FACTOR_CODE, a code works once', async () => {
    expect(codeOf(await gql(url, LOGIN, { email, password }))).toBe('TWO_FACTOR_REQUIRED');
    expect(codeOf(await gql(url, LOGIN, { email, password, code: wrongCode(secret) }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    // The code that enabled 2FA cannot be used again.
    expect(codeOf(await gql(url, LOGIN, { email, password, code: at(-1, secret) }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    const code = at(0, secret);
    const ok = await gql(url, LOGIN, { email, password, code });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.login.user.twoFactorEnabled).toBe(true);
    expect(codeOf(await gql(url, LOGIN, { email, password, code }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    // A wrong password with 2FA on is still just INVALID_CREDENTIALS.
    expect(codeOf(await gql(url, LOGIN, { email, password: 'nope', code: at(1, secret) }))).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('disableTwoFactor needs a fresh code', async () => {
    expect(codeOf(await gql(url, DISABLE, { c: at(0, secret) }, { token }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    const r = await gql(url, DISABLE, { c: at(1, secret) }, { token });
    expect(r.data!.disableTwoFactor).toBe(true);
    expect(codeOf(await gql(url, DISABLE, { c: at(1, secret) }, { token }))).toBe('BAD_USER_INPUT');
    expect((await gql(url, LOGIN, { email, password })).errors).toBeUndefined();
    expect(await actions()).toEqual(
      expect.arrayContaining([
        'auth.register',
        'auth.2fa.setup',
        'auth.2fa.enabled',
        'auth.2fa.failure',
        'auth.login.success',
        'auth.login.failure',
        'auth.2fa.disabled',
      ]),
    );
  });

  it('wrong codes are rate-limited per user: RATE_LIMITED even for a right code', async () => {
    const s = (await gql(url, SETUP, {}, { token })).data!.setupTwoFactor.secret;
    // 8 points: 6 wrong codes so far for this user; two more use them up.
    for (let i = 0; i < 2; i++) {
      expect(codeOf(await gql(url, ENABLE, { c: wrongCode(s) }, { token }))).toBe(
        'INVALID_TWO_FACTOR_CODE',
      );
    }
    expect(codeOf(await gql(url, ENABLE, { c: at(0, s) }, { token }))).toBe('RATE_LIMITED');
  });
});
