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

/**
 * The money invariants, read straight from the tables and compared exactly (numeric, in SQL).
 * Returns the violations, empty when all hold:
 *   - per asset, all balances (the fee account's included) sum to completed deposits minus
 *     what completed withdrawals sent out (a withdrawal's fee stays, in the fee account);
 *   - every journal sums to zero per asset;
 *   - every balance equals its ledger rows, bucket by bucket.
 */
export async function ledgerViolations(db: Db): Promise<string[]> {
  const totals = await db.$queryRawUnsafe<{ asset: string; balances: string; external: string }[]>(
    `SELECT * FROM (
       SELECT a.code AS asset,
              COALESCE((SELECT SUM(available + locked) FROM "Balance" b
                         WHERE b."assetCode" = a.code), 0) AS b,
              -- A withdrawal's amount is what left the balance (negative); plus its fee, what left the exchange.
              COALESCE((SELECT SUM(CASE WHEN t.type = 'DEPOSIT' THEN t.amount ELSE t.amount + t.fee END)
                          FROM "Transaction" t
                         WHERE t."assetCode" = a.code AND t.status = 'COMPLETED'
                           AND t.type IN ('DEPOSIT', 'WITHDRAWAL')), 0) AS e
         FROM "Asset" a) x
      CROSS JOIN LATERAL (SELECT x.b::text AS balances, x.e::text AS external) v
      WHERE x.b <> x.e`,
  );
  const journals = await db.$queryRawUnsafe<{ j: string; a: string; s: string }[]>(
    `SELECT "journalId"::text AS j, "assetCode" AS a, SUM(amount)::text AS s
       FROM "LedgerEntry" GROUP BY 1, 2 HAVING SUM(amount) <> 0`,
  );
  const drift = await db.$queryRawUnsafe<{ u: string; a: string }[]>(
    `SELECT b."userId"::text AS u, b."assetCode" AS a FROM "Balance" b
      LEFT JOIN (SELECT "userId", "assetCode",
                        SUM(amount) FILTER (WHERE bucket = 'AVAILABLE') AS av,
                        SUM(amount) FILTER (WHERE bucket = 'LOCKED') AS lk
                   FROM "LedgerEntry" WHERE "userId" IS NOT NULL GROUP BY 1, 2) l
        ON l."userId" = b."userId" AND l."assetCode" = b."assetCode"
      WHERE b.available <> COALESCE(l.av, 0) OR b.locked <> COALESCE(l.lk, 0)`,
  );
  return [
    ...totals.map(
      (t) => `${t.asset}: balances ${t.balances} != deposits - withdrawals ${t.external}`,
    ),
    ...journals.map((j) => `journal ${j.j} ${j.a} sums to ${j.s}`),
    ...drift.map((d) => `balance ${d.u} ${d.a} differs from its ledger rows`),
  ];
}

/**
 * Users' daily traded volumes (kept by settlement) that differ from the sum of their fills
 * per quote asset and UTC day — empty when every fill was counted exactly once.
 */
export async function dailyVolumeViolations(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<
    { u: string; a: string; d: string; v: string; f: string }[]
  >(
    `WITH f AS (SELECT f."userId", m."quoteAssetCode", f."executedAt"::date AS day,
                       SUM(f."quoteQuantity") AS v
                  FROM "Fill" f JOIN "Market" m ON m.symbol = f."marketSymbol"
                 GROUP BY 1, 2, 3)
     SELECT COALESCE(v."userId", f."userId")::text AS u,
            COALESCE(v."quoteAssetCode", f."quoteAssetCode") AS a,
            COALESCE(v.day, f.day)::text AS d,
            COALESCE(v."quoteVolume", 0)::text AS v, COALESCE(f.v, 0)::text AS f
       FROM "UserDailyVolume" v
       FULL JOIN f ON f."userId" = v."userId" AND f."quoteAssetCode" = v."quoteAssetCode"
                  AND f.day = v.day
      WHERE COALESCE(v."quoteVolume", 0) <> COALESCE(f.v, 0)`,
  );
  return rows.map((r) => `volume of ${r.u} in ${r.a} on ${r.d}: ${r.v}, its fills ${r.f}`);
}
