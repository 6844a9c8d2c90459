// Starts the platform exactly as `npm start` does (startPlatform), on a fresh test
// database and free ports, for journeys that go through the gateway only.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dropRedisKeys } from '@flowex/bus/testing';
import { loadConfig } from '@flowex/config';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { createLogger } from '@flowex/server';
import { type Platform, startPlatform } from '@flowex/start';

export interface TestPlatform extends Platform {
  database: TestDatabase;
  graphql<T = unknown>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startTestPlatform(
  options: {
    redisUrl?: string;
    env?: Record<string, string>;
    /** PostgreSQL settings of the platform's database (`ALTER DATABASE … SET`), in every
     * session the services open (e.g. `track_functions` for a benchmark). */
    databaseSettings?: Record<string, string>;
  } = {},
): Promise<TestPlatform> {
  const database = await createTestDatabase('platform');
  const name = decodeURIComponent(new URL(database.url).pathname.slice(1));
  for (const [setting, value] of Object.entries(options.databaseSettings ?? {})) {
    if (!/^[\w.]+$/.test(setting)) throw new Error(`not a setting: ${setting}`);
    await database.db.$executeRawUnsafe(
      `ALTER DATABASE "${name}" SET "${setting}" = '${value.replace(/'/g, "''")}'`,
    );
  }
  // In-process services can take any free port; separate processes need them fixed up front.
  const ports = options.redisUrl
    ? await Promise.all([0, 1, 2, 3, 4, 5].map(() => freePort()))
    : [0, 0, 0, 0, 0, 0];
  const env = {
    LOG_LEVEL: 'warn',
    // Journeys and benchmarks register many accounts, all from 127.0.0.1.
    AUTH_REGISTRATIONS_PER_IP_HOUR: '100000',
    DATABASE_URL: database.url,
    GATEWAY_PORT: String(ports[0]),
    AUTH_PORT: String(ports[1]),
    TRADING_PORT: String(ports[2]),
    MARKET_DATA_PORT: String(ports[3]),
    WALLET_PORT: String(ports[4]),
    ENGINE_PORT: String(ports[5]),
    // Its own Redis namespace: platforms of concurrent tests never see each other's events.
    ...(options.redisUrl
      ? {
          REDIS_URL: options.redisUrl,
          REDIS_NAMESPACE: `flowex-test-${randomBytes(4).toString('hex')}`,
        }
      : {}),
    ...options.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  // Child processes take their configuration from the environment at spawn time; set it
  // for the start only, so later platforms in the same test file start from a clean slate.
  const saved = { ...process.env };
  if (options.redisUrl) Object.assign(process.env, env);
  let platform: Platform;
  try {
    platform = await startPlatform(config, database.url, createLogger('test', 'warn'));
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
  return {
    ...platform,
    database,
    async stop() {
      await platform.stop();
      await database.drop();
      if (options.redisUrl && env.REDIS_NAMESPACE) {
        await dropRedisKeys(options.redisUrl, `${env.REDIS_NAMESPACE}:`);
      }
    },
    async graphql(query, variables, token) {
      const res = await fetch(platform.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return res.json() as never;
    },
  };
}
