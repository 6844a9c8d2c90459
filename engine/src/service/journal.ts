// A settlement batch's ledger, netted: one row per (user, asset, bucket, type) for the
// whole batch instead of one per movement. Each trade used to write four to six rows (and
// each released hold two); a batch now writes one per account and kind of movement, which
// is what the user's `transactions` already showed. Netting keeps the journal balanced
// (it sums to zero per asset because every posting does), and a balance still equals the
// sum of its rows. The per-trade detail (quantity, price, fee, rate) lives in the fills.
import type { LedgerBucket, LedgerEntryType } from '@flowex/db';
import type { LedgerRow } from './settlement.ts';

export class NettedJournal {
  private readonly rows = new Map<string, Omit<LedgerRow, 'reference'>>();

  constructor(readonly journalId: string) {}

  post(
    userId: string | null,
    assetCode: string,
    bucket: LedgerBucket,
    type: LedgerEntryType,
    amount: bigint,
  ): void {
    if (amount === 0n) return;
    const key = `${userId}|${assetCode}|${bucket}|${type}`;
    const row = this.rows.get(key);
    if (row) row.amount += amount;
    else this.rows.set(key, { journalId: this.journalId, userId, assetCode, bucket, type, amount });
  }

  /** The netted rows (none that nets to zero), all pointing at what caused them. */
  entries(reference: string): LedgerRow[] {
    const out: LedgerRow[] = [];
    for (const row of this.rows.values()) if (row.amount !== 0n) out.push({ ...row, reference });
    return out;
  }
}
