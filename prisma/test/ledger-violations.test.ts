// The shared money-invariant check finds what it is for: a balance moved without its ledger,
// a journal that does not sum to zero, money that appeared from nowhere. A withdrawal's fee
// stays in the exchange (the fee account), so it is not counted as sent out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEE_ACCOUNT_EMAIL, seedDatabase } from '../src/seed.ts';
import {
  createTestDatabase,
  fundedUser,
  ledgerViolations,
  type TestDatabase,
} from '../src/testing.ts';

describe('ledgerViolations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('ledger_violations');
    await seedDatabase(t.db, { sandbox: false });
  });
  afterAll(() => t?.drop());

  it('is empty for deposits and a completed withdrawal with a fee', async () => {
    const u = await fundedUser(t.db, 'ledger@example.com', { USDT: '100' });
    const fees = await t.db.user.findUniqueOrThrow({ where: { email: FEE_ACCOUNT_EMAIL } });
    // A withdrawal of 10 with a fee of 1, done as the wallet does it: 9 leave the exchange.
    const tx = await t.db.transaction.create({
      data: {
        userId: u.id,
        assetCode: 'USDT',
        type: 'WITHDRAWAL',
        status: 'COMPLETED',
        amount: '-10',
        fee: '1',
      },
    });
    await t.db.ledgerEntry.createMany({
      data: [
        {
          journalId: tx.id,
          userId: u.id,
          assetCode: 'USDT',
          bucket: 'AVAILABLE',
          type: 'WITHDRAWAL',
          amount: '-10',
          reference: `tx:${tx.id}`,
        },
        {
          journalId: tx.id,
          userId: null,
          assetCode: 'USDT',
          bucket: 'EXTERNAL',
          type: 'WITHDRAWAL',
          amount: '9',
          reference: `tx:${tx.id}`,
        },
        {
          journalId: tx.id,
          userId: fees.id,
          assetCode: 'USDT',
          bucket: 'AVAILABLE',
          type: 'WITHDRAWAL_FEE',
          amount: '1',
          reference: `tx:${tx.id}`,
        },
      ],
    });
    await t.db.balance.update({
      where: { userId_assetCode: { userId: u.id, assetCode: 'USDT' } },
      data: { available: { decrement: '10' } },
    });
    await t.db.balance.upsert({
      where: { userId_assetCode: { userId: fees.id, assetCode: 'USDT' } },
      create: { userId: fees.id, assetCode: 'USDT', available: '1' },
      update: { available: { increment: '1' } },
    });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('reports money from nowhere, a balance off its ledger and an unbalanced journal', async () => {
    const u = await fundedUser(t.db, 'tampered@example.com', { BTC: '1' });
    await t.db.balance.update({
      where: { userId_assetCode: { userId: u.id, assetCode: 'BTC' } },
      data: { available: { increment: '0.00000001' } },
    });
    const journalId = '00000000-0000-4000-8000-000000000001';
    await t.db.ledgerEntry.create({
      data: {
        journalId,
        userId: null,
        assetCode: 'BTC',
        bucket: 'EXTERNAL',
        type: 'DEPOSIT',
        amount: '5',
        reference: 'tampered',
      },
    });
    const violations = await ledgerViolations(t.db);
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BTC: balances 1\.00000001\d* != deposits - withdrawals 1(\.0*)?$/),
        expect.stringMatching(new RegExp(`^journal ${journalId} BTC sums to 5(\\.0*)?$`)),
        `balance ${u.id} BTC differs from its ledger rows`,
      ]),
    );
    expect(violations).toHaveLength(3);
  });
});
