import { MemoryBus } from '@flowex/bus';
import { loadConfig } from '@flowex/config';
import { type Db, seedDatabase } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { afterAll, beforeAll } from 'vitest';
import { type RunningEngine, type StartEngineOptions, startEngine } from '../../src/index.ts';

export const testConfig = () =>
  loadConfig({ NODE_ENV: 'test', LOG_LEVEL: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });

export async function seed(db: Db) {
  await seedDatabase(db, { sandbox: false });
}

/** A trader funded through completed deposits (balanced ledger journals). */
export { fundedUser } from '@flowex/db/testing';

export async function balance(db: Db, userId: string, assetCode: string) {
  const b = await db.balance.findUnique({ where: { userId_assetCode: { userId, assetCode } } });
  return { available: b?.available.toFixed() ?? '0', locked: b?.locked.toFixed() ?? '0' };
}

export { dropRedisKeys } from '@flowex/bus/testing';
/** The money invariants (violations; empty = fine). */
export { dailyVolumeViolations, ledgerViolations } from '@flowex/db/testing';

export interface EngineUnderTest {
  db: Db;
  url: string;
  bus: MemoryBus;
  engine: RunningEngine;
}

/**
 * For the enclosing describe: a seeded database of its own, an in-process bus and an engine
 * owning BTC-USDT (with `options`), set up before its tests and torn down after them. Read
 * its fields inside the tests: they are filled in before the first one runs.
 */
export function engineUnderTest(
  name: string,
  options: Partial<StartEngineOptions> = {},
): EngineUnderTest {
  const env = {} as EngineUnderTest & { database: TestDatabase };
  beforeAll(async () => {
    env.database = await createTestDatabase(name);
    env.db = env.database.db;
    env.url = env.database.url;
    await seed(env.db);
    env.bus = new MemoryBus();
    env.engine = await startEngine(testConfig(), env.db, env.bus, {
      markets: ['BTC-USDT'],
      databaseUrl: env.url,
      port: 0,
      ...options,
    });
  }, 60_000);
  afterAll(async () => {
    await env.engine?.stop();
    await env.bus?.close();
    await env.database?.drop();
  });
  return env;
}
