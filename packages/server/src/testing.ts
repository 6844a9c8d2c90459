// Test plumbing shared by subgraph tests: a real token issuer for tests that run without
// the auth subgraph (it signs access tokens exactly as auth does and serves its JWKS over
// HTTP, so the code under test verifies tokens through its normal JWKS path), and helpers
// for calling one subgraph directly.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '@flowex/config';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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
