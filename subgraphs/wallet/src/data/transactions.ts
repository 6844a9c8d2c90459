import type { Db, Prisma, Transaction, TransactionType } from '@flowex/db';

export type TransactionRow = Transaction;

type Client = Db | Prisma.TransactionClient;

export function findTransaction(db: Client, id: string): Promise<TransactionRow | null> {
  return db.transaction.findUnique({ where: { id } });
}

export function findOwnTransaction(
  db: Client,
  id: string,
  userId: string,
): Promise<TransactionRow | null> {
  return db.transaction.findFirst({ where: { id, userId } });
}

/** Moves a PENDING transaction on; false when it was no longer PENDING (lost a race). */
export async function settlePending(
  tx: Prisma.TransactionClient,
  id: string,
  data: Prisma.TransactionUpdateManyMutationInput,
): Promise<boolean> {
  const { count } = await tx.transaction.updateMany({ where: { id, status: 'PENDING' }, data });
  return count === 1;
}

export interface Cursor {
  createdAt: Date;
  id: string;
}

export function listTransactions(
  db: Db,
  userId: string,
  filter: { asset?: string; type?: TransactionType; after?: Cursor; take: number },
): Promise<TransactionRow[]> {
  return db.transaction.findMany({
    where: {
      userId,
      ...(filter.asset ? { assetCode: filter.asset } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.after
        ? {
            OR: [
              { createdAt: { lt: filter.after.createdAt } },
              { createdAt: filter.after.createdAt, id: { lt: filter.after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.take,
  });
}
