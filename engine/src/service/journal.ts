// A settlement batch's ledger, netted: one row per (user, asset, bucket, type) for the
// whole batch instead of one per movement. Each trade used to write four to six rows (and
// each released hold two); a batch now writes one per account and kind of movement, which
// is what the user's `transactions` already showed. Netting keeps the journal balanced
// (it sums to zero per asset because every posting does), and a balance still equals the
// sum of its rows. The per-trade detail (quantity, price, fee, rate) lives in the fills.
import type { LedgerBucket, LedgerEntryType } from '@flowex/db';
import type { LedgerRow } from './settlement.ts';

type NettedRow = Omit<LedgerRow, 'reference'>;

export class NettedJournal {
  /** Every row, in the order first posted. */
  private readonly rows: NettedRow[] = [];
  /**
   * The rows by user, then asset (a handful of bucket/type pairs each): lookups by the strings
   * the caller already holds, where one composite key built a new string per posting.
   */
  private readonly accounts = new Map<string | null, Map<string, NettedRow[]>>();

  constructor(readonly journalId: string) {}

  post(
    userId: string | null,
    assetCode: string,
    bucket: LedgerBucket,
    type: LedgerEntryType,
    amount: bigint,
  ): void {
    if (amount === 0n) return;
    let assets = this.accounts.get(userId);
    if (!assets) {
      assets = new Map();
      this.accounts.set(userId, assets);
    }
    let kinds = assets.get(assetCode);
    if (!kinds) {
      kinds = [];
      assets.set(assetCode, kinds);
    }
    for (const row of kinds) {
      if (row.bucket === bucket && row.type === type) {
        row.amount += amount;
        return;
      }
    }
    const row = { journalId: this.journalId, userId, assetCode, bucket, type, amount };
    kinds.push(row);
    this.rows.push(row);
  }

  /** The netted rows (none that nets to zero), all pointing at what caused them. */
  entries(reference: string): LedgerRow[] {
    const out: LedgerRow[] = [];
    for (const row of this.rows) if (row.amount !== 0n) out.push({ ...row, reference });
    return out;
  }
}
