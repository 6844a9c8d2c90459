import { loadConfig } from '@flowex/config';
import { type Db, Prisma, seedDatabase } from '@flowex/db';

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

/**
 * The ledger invariants: per asset, all balances (fee account included) sum to completed
 * deposits minus completed withdrawals; every journal sums to zero per asset; every balance
 * equals its ledger rows per bucket. Returns the violations (empty = fine).
 */
export async function ledgerViolations(db: Db): Promise<string[]> {
  const out: string[] = [];
  const totals = await db.$queryRawUnsafe<{ asset: string; balances: string; external: string }[]>(
    `SELECT a.code AS asset,
            COALESCE((SELECT SUM(available + locked) FROM "Balance" b WHERE b."assetCode" = a.code), 0)::text AS balances,
            COALESCE((SELECT SUM(CASE WHEN type = 'DEPOSIT' THEN amount ELSE -amount END)
                        FROM "Transaction" t WHERE t."assetCode" = a.code AND t.status = 'COMPLETED'
                         AND t.type IN ('DEPOSIT', 'WITHDRAWAL')), 0)::text AS external
       FROM "Asset" a`,
  );
  for (const t of totals) {
    if (!new Prisma.Decimal(t.balances).eq(t.external)) {
      out.push(`${t.asset}: balances ${t.balances} != deposits - withdrawals ${t.external}`);
    }
  }
  const journals = await db.$queryRawUnsafe<{ j: string; a: string; s: string }[]>(
    `SELECT "journalId"::text AS j, "assetCode" AS a, SUM(amount)::text AS s
       FROM "LedgerEntry" GROUP BY 1, 2 HAVING SUM(amount) <> 0`,
  );
  for (const j of journals) out.push(`journal ${j.j} ${j.a} sums to ${j.s}`);
  const drift = await db.$queryRawUnsafe<{ u: string; a: string }[]>(
    `SELECT b."userId"::text AS u, b."assetCode" AS a FROM "Balance" b
      LEFT JOIN (SELECT "userId", "assetCode",
                        SUM(amount) FILTER (WHERE bucket = 'AVAILABLE') AS av,
                        SUM(amount) FILTER (WHERE bucket = 'LOCKED') AS lk
                   FROM "LedgerEntry" WHERE "userId" IS NOT NULL GROUP BY 1, 2) l
        ON l."userId" = b."userId" AND l."assetCode" = b."assetCode"
      WHERE b.available <> COALESCE(l.av, 0) OR b.locked <> COALESCE(l.lk, 0)`,
  );
  for (const d of drift) out.push(`balance ${d.u} ${d.a} differs from its ledger rows`);
  return out;
}

export { dropRedisKeys } from '@flowex/bus/testing';
