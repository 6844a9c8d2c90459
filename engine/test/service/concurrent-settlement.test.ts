// Two markets settle side by side, each in its own transaction: what one batch does to a
// row the other also touches must not fail the other.
import { randomUUID } from 'node:crypto';
import type { Db } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch, type Batch, type Settler } from '../../src/service/settlement.ts';
import { toAtoms } from '../../src/service/units.ts';
import { balance, fundedUser, ledgerViolations, seed } from './helpers.ts';

/** A batch of `market` that only credits `userId` one SOL from outside (a balanced journal). */
function creditOneSol(market: string, userId: string): Batch {
  const journalId = randomUUID();
  const reference = `test:${market}`;
  const one = toAtoms('1');
  return {
    marketSymbol: market,
    prevSeq: 0,
    lastSeq: 1,
    commandIds: [],
    orders: [],
    trades: [],
    ledger: [
      {
        journalId,
        userId,
        assetCode: 'SOL',
        bucket: 'AVAILABLE',
        type: 'ADJUSTMENT',
        amount: one,
        reference,
      },
      {
        journalId,
        userId: null,
        assetCode: 'SOL',
        bucket: 'EXTERNAL',
        type: 'ADJUSTMENT',
        amount: -one,
        reference,
      },
    ],
    balances: [{ userId, assetCode: 'SOL', available: one, locked: 0n }],
    transactions: [],
    candles: [],
    at: new Date(),
  };
}

/** Resolves once some statement of the database waits for a lock (the other batch's row). */
async function someoneWaitsForALock(db: Db) {
  for (let i = 0; i < 500; i++) {
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no statement waited for a lock within 5 s');
}

describe('settlement of two markets at once', () => {
  let t: TestDatabase;
  let open: pg.Client;

  beforeAll(async () => {
    t = await createTestDatabase('concurrent_settlement');
    await seed(t.db);
    open = new pg.Client({ connectionString: t.url });
    await open.connect();
  }, 60_000);

  afterAll(async () => {
    await open?.end();
    await t?.drop();
  });

  it('two batches crediting the same new balance row both commit, and the row holds both', async () => {
    const carol = await fundedUser(t.db, 'carol@example.com', { USDT: '1' });
    // ETH-USDT's batch runs in a transaction left open; SOL-USDT's batch, crediting the same
    // row that neither found, meets it and waits; then the first commits.
    const inOpenTransaction: Settler = async (statement, params) =>
      (await open.query(statement.text, params)).rows;
    await open.query('BEGIN');
    expect((await applyBatch(inOpenTransaction, creditOneSol('ETH-USDT', carol.id))).applied).toBe(
      true,
    );
    const second = applyBatch(t.db, creditOneSol('SOL-USDT', carol.id));
    second.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    await someoneWaitsForALock(t.db);
    await open.query('COMMIT');

    const settled = await second;
    expect(settled.applied).toBe(true);
    expect(settled.balances).toEqual([
      {
        userId: carol.id,
        assetCode: 'SOL',
        available: '2.000000000000000000',
        locked: '0.000000000000000000',
      },
    ]);
    expect(await balance(t.db, carol.id, 'SOL')).toEqual({ available: '2', locked: '0' });
    // The two credits came from outside: recorded as the deposits they stand for, every
    // money invariant holds (each journal balanced, each balance equal to its ledger rows).
    await t.db.transaction.createMany({
      data: ['ETH-USDT', 'SOL-USDT'].map((market) => ({
        userId: carol.id,
        assetCode: 'SOL',
        type: 'DEPOSIT' as const,
        status: 'COMPLETED' as const,
        amount: '1',
        reference: `test:${market}`,
      })),
    });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });
});
