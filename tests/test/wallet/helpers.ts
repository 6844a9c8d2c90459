// Test plumbing: a real database, the real auth subgraph on a random port, GraphQL over HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '@flowex/config';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Config for a test service: random ports, its own key directory, real Redis. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
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
