// Real databases for tests: every call creates its own freshly migrated PostgreSQL
// database on the test server (TEST_DATABASE_URL, default the local one) and drops it
// afterwards, so test runs never share state. A missing server fails at once with
// what to do, instead of timing out.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from './client.ts';
import { migrateDatabase } from './migrate.ts';
import { recordCompletedDeposits } from './seed.ts';

export const TEST_SERVER_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const HOW_TO =
  'Tests need PostgreSQL (and Redis): start them with `docker compose -f infra/docker-compose.yml up -d`, ' +
  'or point TEST_DATABASE_URL / TEST_REDIS_URL at running servers.';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: TEST_SERVER_URL,
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_SERVER_URL}. ${HOW_TO}`, {
      cause: error,
    });
  }
  return client;
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `flowex_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  const admin = await adminClient();
  await admin.end();
  await migrateDatabase(url.toString());
  const db = createDb(url.toString(), { poolSize: 5 });
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.$disconnect();
      const client = await adminClient();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A user funded through completed deposits (balanced ledger journals), for tests. */
export async function fundedUser(db: Db, email: string, funds: Record<string, string>) {
  const user = await db.user.create({ data: { email } });
  await recordCompletedDeposits(db, user.id, funds);
  return user;
}
