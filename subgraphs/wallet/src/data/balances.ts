// Balance rows. Every change goes through adjustBalance inside the caller's transaction,
// as one conditional statement: the row lock it takes serialises concurrent changes and
// the condition means a debit never takes a bucket below zero.
import { type Db, Prisma } from '@flowex/db';

export type Tx = Prisma.TransactionClient;

export interface BalanceView {
  userId: string;
  asset: string;
  available: Prisma.Decimal;
  locked: Prisma.Decimal;
}

const ZERO = new Prisma.Decimal(0);

export const zeroBalance = (userId: string, asset: string): BalanceView => ({
  userId,
  asset,
  available: ZERO,
  locked: ZERO,
});

export async function listBalances(db: Db, userId: string): Promise<BalanceView[]> {
  const rows = await db.balance.findMany({ where: { userId }, orderBy: { assetCode: 'asc' } });
  return rows.map((r) => ({
    userId,
    asset: r.assetCode,
    available: r.available,
    locked: r.locked,
  }));
}

export async function findBalance(
  db: Db,
  userId: string,
  asset: string,
): Promise<BalanceView | null> {
  const r = await db.balance.findUnique({
    where: { userId_assetCode: { userId, assetCode: asset } },
  });
  return r ? { userId, asset, available: r.available, locked: r.locked } : null;
}

interface Row {
  available: Prisma.Decimal;
  locked: Prisma.Decimal;
}

/**
 * Adds the deltas to (available, locked). Returns the new balance, or null when a
 * bucket would go negative (nothing changes then).
 */
export async function adjustBalance(
  tx: Tx,
  userId: string,
  asset: string,
  deltaAvailable: Prisma.Decimal,
  deltaLocked: Prisma.Decimal,
): Promise<BalanceView | null> {
  const a = deltaAvailable.toFixed();
  const l = deltaLocked.toFixed();
  let rows: Row[];
  if (!deltaAvailable.isNegative() && !deltaLocked.isNegative()) {
    rows = await tx.$queryRaw<Row[]>`
      INSERT INTO "Balance" ("userId", "assetCode", "available", "locked", "updatedAt")
      VALUES (${userId}::uuid, ${asset}, ${a}::numeric, ${l}::numeric, now())
      ON CONFLICT ("userId", "assetCode") DO UPDATE
        SET "available" = "Balance"."available" + EXCLUDED."available",
            "locked" = "Balance"."locked" + EXCLUDED."locked",
            "updatedAt" = now()
      RETURNING "available", "locked"`;
  } else {
    rows = await tx.$queryRaw<Row[]>`
      UPDATE "Balance"
        SET "available" = "available" + ${a}::numeric,
            "locked" = "locked" + ${l}::numeric,
            "updatedAt" = now()
      WHERE "userId" = ${userId}::uuid AND "assetCode" = ${asset}
        AND "available" + ${a}::numeric >= 0 AND "locked" + ${l}::numeric >= 0
      RETURNING "available", "locked"`;
  }
  const row = rows[0];
  if (!row) return null;
  return {
    userId,
    asset,
    available: new Prisma.Decimal(row.available),
    locked: new Prisma.Decimal(row.locked),
  };
}
