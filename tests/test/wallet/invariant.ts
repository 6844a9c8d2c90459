// The money invariants, checked straight in the database (one definition for every test:
// `ledgerViolations` in @flowex/db/testing).
import type { Db } from '@flowex/db';
import { ledgerViolations } from '@flowex/db/testing';
import { expect } from 'vitest';

/**
 * Per asset, all balances (fee account included) equal completed deposits minus what completed
 * withdrawals sent out; every journal sums to zero; every balance equals its ledger rows.
 */
export async function assertLedgerInvariant(db: Db): Promise<void> {
  expect(await ledgerViolations(db)).toEqual([]);
}
