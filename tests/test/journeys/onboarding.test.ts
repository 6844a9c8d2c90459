// A newcomer's first minutes, as a user would live them, through the gateway only, on the
// platform exactly as `npm start` runs it — in both modes (one process; separate
// processes over Redis): register, turn on 2FA, log in with a code, deposit, see the
// balance; the sandbox accounts; a withdrawal requested, approved by the admin, reflected.
import { randomBytes } from 'node:crypto';
import { currentTotpCode } from '@flowex/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, ok } from '../../src/client.ts';
import { startTestPlatform, type TestPlatform } from '../../src/platform.ts';
import { requireRedis, TEST_REDIS_URL } from '../../src/redis.ts';

const password = () => `Quartz-Meadow-${randomBytes(4).toString('hex')}-Falcon!`;

for (const mode of ['in-process', 'redis'] as const) {
  describe(`onboarding (${mode})`, () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      if (mode === 'redis') await requireRedis();
      platform = await startTestPlatform(mode === 'redis' ? { redisUrl: TEST_REDIS_URL } : {});
    }, 120_000);
    afterAll(() => platform?.stop());

    it('register, 2FA, login with a code, deposit, balances', async () => {
      const gql = platform.graphql;
      const email = `newcomer-${randomBytes(3).toString('hex')}@example.com`;
      const secretWord = password();
      const registered = ok(
        await gql<{ register: { accessToken: string; user: { email: string; roles: string[] } } }>(
          'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { email roles } } }',
          { i: { email, password: secretWord, firstName: 'Ada' } },
        ),
      ).register;
      expect(registered.user).toEqual({ email, roles: ['TRADER'] });
      let token = registered.accessToken;

      const setup = ok(
        await gql<{ setupTwoFactor: { secret: string; otpauthUrl: string } }>(
          'mutation { setupTwoFactor { secret otpauthUrl } }',
          {},
          token,
        ),
      ).setupTwoFactor;
      expect(setup.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
      const now = Date.now();
      ok(
        await gql(
          'mutation($c: String!) { enableTwoFactor(code: $c) }',
          { c: currentTotpCode(setup.secret, now) },
          token,
        ),
      );

      const login =
        'mutation($e: String!, $p: String!, $c: String) { login(email: $e, password: $p, twoFactorCode: $c) { accessToken refreshToken user { twoFactorEnabled } } }';
      expect(codeOf(await gql(login, { e: email, p: secretWord }))).toBe('TWO_FACTOR_REQUIRED');
      expect(codeOf(await gql(login, { e: email, p: secretWord, c: '000000' }))).toBe(
        'INVALID_TWO_FACTOR_CODE',
      );
      // The code used to enable 2FA is spent; the next time step's code is accepted.
      const session = ok(
        await gql<{ login: { accessToken: string; user: { twoFactorEnabled: boolean } } }>(login, {
          e: email,
          p: secretWord,
          c: currentTotpCode(setup.secret, now + 30_000),
        }),
      ).login;
      expect(session.user.twoFactorEnabled).toBe(true);
      token = session.accessToken;

      const deposit = ok(
        await gql<{ deposit: { status: string; amount: string; asset: string } }>(
          'mutation { deposit(asset: "USDT", amount: "2500.5") { status amount asset } }',
          {},
          token,
        ),
      ).deposit;
      expect(deposit).toEqual({ status: 'COMPLETED', amount: '2500.5', asset: 'USDT' });
      const me = ok(
        await gql<{
          me: {
            email: string;
            balances: { asset: string; available: string; locked: string; total: string }[];
          };
        }>('{ me { email balances { asset available locked total } } }', {}, token),
      ).me;
      expect(me.email).toBe(email);
      expect(me.balances.find((b) => b.asset === 'USDT')).toEqual({
        asset: 'USDT',
        available: '2500.5',
        locked: '0',
        total: '2500.5',
      });
      expect(me.balances.find((b) => b.asset === 'BTC')?.total).toBe('0');
    });

    it('the sandbox accounts work with their documented passwords', async () => {
      const gql = platform.graphql;
      const login =
        'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { roles } } }';
      const demo = ok(
        await gql<{ login: { accessToken: string; user: { roles: string[] } } }>(login, {
          e: 'demo@flowex.com',
          p: 'demo123',
        }),
      ).login;
      expect(demo.user.roles).toEqual(['TRADER']);
      const admin = ok(
        await gql<{ login: { user: { roles: string[] } } }>(login, {
          e: 'admin@flowex.com',
          p: 'admin123',
        }),
      ).login;
      expect(admin.user.roles).toEqual(['ADMIN']);
      const balances = ok(
        await gql<{ balances: { asset: string; available: string }[] }>(
          '{ balances { asset available } }',
          {},
          demo.accessToken,
        ),
      ).balances;
      expect(Object.fromEntries(balances.map((b) => [b.asset, b.available]))).toMatchObject({
        BTC: '10',
        ETH: '100',
        SOL: '1000',
        USDT: '1000000',
      });
    });

    it('a withdrawal requested, approved by the admin, reflected in balances and transactions', async () => {
      const gql = platform.graphql;
      const login =
        'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';
      const demo = ok(
        await gql<{ login: { accessToken: string } }>(login, {
          e: 'demo@flowex.com',
          p: 'demo123',
        }),
      ).login.accessToken;
      const admin = ok(
        await gql<{ login: { accessToken: string } }>(login, {
          e: 'admin@flowex.com',
          p: 'admin123',
        }),
      ).login.accessToken;
      const btc = async () =>
        ok(
          await gql<{ balance: { available: string; locked: string } }>(
            '{ balance(asset: "BTC") { available locked } }',
            {},
            demo,
          ),
        ).balance;
      const before = await btc();

      const requested = ok(
        await gql<{
          requestWithdrawal: { id: string; status: string; amount: string; fee: string };
        }>(
          'mutation { requestWithdrawal(asset: "BTC", amount: "0.5", address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") { id status amount fee } }',
          {},
          demo,
        ),
      ).requestWithdrawal;
      expect(requested).toMatchObject({ status: 'PENDING', amount: '-0.5', fee: '0.0002' });
      const held = await btc();
      expect(Number(held.locked) - Number(before.locked)).toBeCloseTo(0.5, 10);

      expect(
        codeOf(
          await gql(
            'mutation($id: ID!) { approveWithdrawal(id: $id) { status } }',
            { id: requested.id },
            demo,
          ),
        ),
      ).toBe('FORBIDDEN');
      const approved = ok(
        await gql<{ approveWithdrawal: { status: string } }>(
          'mutation($id: ID!) { approveWithdrawal(id: $id) { status } }',
          { id: requested.id },
          admin,
        ),
      ).approveWithdrawal;
      expect(approved.status).toBe('COMPLETED');
      const after = await btc();
      expect(after.locked).toBe(before.locked);
      expect((Number(before.available) - Number(after.available)).toFixed(8)).toBe('0.50000000');
      const txs = ok(
        await gql<{
          transactions: { edges: { node: { id: string; type: string; status: string } }[] };
        }>(
          '{ transactions(type: WITHDRAWAL, first: 5) { edges { node { id type status } } } }',
          {},
          demo,
        ),
      ).transactions.edges.map((e) => e.node);
      expect(txs).toContainEqual({ id: requested.id, type: 'WITHDRAWAL', status: 'COMPLETED' });
    });
  });
}
