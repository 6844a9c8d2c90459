// Double-entry journals: the rows of one journal sum to zero per asset.
import { randomUUID } from 'node:crypto';
import { type LedgerBucket, type LedgerEntryType, Prisma } from '@flowex/db';
import type { Tx } from './balances.ts';

export interface Posting {
  /** null: the outside world (bucket EXTERNAL). */
  userId: string | null;
  bucket: LedgerBucket;
  type: LedgerEntryType;
  amount: Prisma.Decimal;
}

export async function postJournal(
  tx: Tx,
  asset: string,
  reference: string,
  postings: Posting[],
): Promise<string> {
  const rows = postings.filter((p) => !p.amount.isZero());
  const sum = rows.reduce((acc, p) => acc.plus(p.amount), new Prisma.Decimal(0));
  if (!sum.isZero()) throw new Error(`unbalanced journal for ${reference}: ${sum.toFixed()}`);
  const journalId = randomUUID();
  await tx.ledgerEntry.createMany({
    data: rows.map((p) => ({
      journalId,
      userId: p.userId,
      assetCode: asset,
      bucket: p.bucket,
      type: p.type,
      amount: p.amount,
      reference,
    })),
  });
  return journalId;
}
