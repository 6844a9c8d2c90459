// The money invariants, checked straight in the database.
import type { Db } from '@flowex/db';
import { expect } from 'vitest';

interface Row {
  asset: string;
  balances: string;
  deposits: string;
  sent: string;
}

/**
 * Per asset: the sum of all balances (fee account included) equals completed deposits
 * minus what completed withdrawals sent out; every journal sums to zero; every balance
 * equals its ledger rows per bucket.
 */
export async function assertLedgerInvariant(db: Db): Promise<void> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT a.code AS asset,
      COALESCE((SELECT SUM(b.available + b.locked) FROM "Balance" b WHERE b."assetCode" = a.code), 0)::text AS balances,
      COALESCE((SELECT SUM(t.amount) FROM "Transaction" t WHERE t."assetCode" = a.code
                AND t.type = 'DEPOSIT' AND t.status = 'COMPLETED'), 0)::text AS deposits,
      COALESCE((SELECT SUM(-t.amount - t.fee) FROM "Transaction" t WHERE t."assetCode" = a.code
                AND t.type = 'WITHDRAWAL' AND t.status = 'COMPLETED'), 0)::text AS sent
    FROM "Asset" a ORDER BY a.code`;
  for (const r of rows) {
    const expected = Number(r.deposits) - Number(r.sent);
    expect(Number(r.balances), `balances of ${r.asset}`).toBeCloseTo(expected, 12);
    // Exact check in SQL numeric too.
  }
  const exact = await db.$queryRaw<{ bad: bigint }[]>`
    SELECT COUNT(*)::bigint AS bad FROM "Asset" a WHERE
      COALESCE((SELECT SUM(b.available + b.locked) FROM "Balance" b WHERE b."assetCode" = a.code), 0)
      <> COALESCE((SELECT SUM(t.amount) FROM "Transaction" t WHERE t."assetCode" = a.code
                AND t.type = 'DEPOSIT' AND t.status = 'COMPLETED'), 0)
       - COALESCE((SELECT SUM(-t.amount - t.fee) FROM "Transaction" t WHERE t."assetCode" = a.code
                AND t.type = 'WITHDRAWAL' AND t.status = 'COMPLETED'), 0)`;
  expect(Number(exact[0]!.bad)).toBe(0);
  const unbalanced = await db.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*)::bigint AS n FROM (
      SELECT "journalId", "assetCode" FROM "LedgerEntry" GROUP BY 1, 2 HAVING SUM(amount) <> 0) j`;
  expect(Number(unbalanced[0]!.n), 'unbalanced journals').toBe(0);
  const drift = await db.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*)::bigint AS n FROM "Balance" b WHERE
      b.available <> COALESCE((SELECT SUM(amount) FROM "LedgerEntry" l WHERE l."userId" = b."userId"
        AND l."assetCode" = b."assetCode" AND l.bucket = 'AVAILABLE'), 0)
      OR b.locked <> COALESCE((SELECT SUM(amount) FROM "LedgerEntry" l WHERE l."userId" = b."userId"
        AND l."assetCode" = b."assetCode" AND l.bucket = 'LOCKED'), 0)`;
  expect(Number(drift[0]!.n), 'balances that differ from their ledger').toBe(0);
}
