// Trading journeys through the gateway on the platform as `npm start` runs it: traders
// registered and funded through the API, orders placed through the API, and the money
// checks straight in the database after every scenario.
import type { Db } from '@flowex/db';
import { ledgerViolations } from '@flowex/db/testing';
import { expect } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../src/platform.ts';
import { newTrader, type Trader } from '../../src/traders.ts';

export * from '../../src/traders.ts';

/** Traders of the running scenario: `cleanup` cancels what they left in the books. */
const active: Trader[] = [];

export async function cleanup(): Promise<void> {
  for (const t of active.splice(0)) {
    const r = await t.gql('mutation { cancelAllOrders }');
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  }
}

export async function startTrading(): Promise<TestPlatform> {
  return startTestPlatform({ env: { LOG_LEVEL: 'warn' } });
}

/** A new trader, registered through the gateway and funded through sandbox deposits. */
export async function trader(
  platform: TestPlatform,
  funds: Record<string, string> = { USDT: '100000', BTC: '10' },
): Promise<Trader> {
  const t = await newTrader(platform, funds);
  active.push(t);
  return t;
}

/**
 * Holds released to the cent: per user and asset, locked == the open orders' holdRemaining
 * + pending withdrawals, no closed order still holding; and the money invariants.
 */
export async function assertHolds(db: Db): Promise<void> {
  const wrong = await db.$queryRawUnsafe<{ userId: string; asset: string; locked: string }[]>(
    `SELECT * FROM (
       SELECT b."userId"::text AS "userId", b."assetCode" AS asset, b.locked::text AS locked,
              COALESCE((SELECT SUM(o."holdRemaining") FROM "Order" o WHERE o."userId" = b."userId"
                  AND o."holdAsset" = b."assetCode"
                  AND o.status IN ('ACCEPTED','PENDING_TRIGGER','NEW','PARTIALLY_FILLED')), 0)
            + COALESCE((SELECT SUM(-t.amount) FROM "Transaction" t WHERE t."userId" = b."userId"
                  AND t."assetCode" = b."assetCode" AND t.type = 'WITHDRAWAL'
                  AND t.status = 'PENDING'), 0) AS held,
              b.locked AS l
         FROM "Balance" b) x
      WHERE x.l <> x.held`,
  );
  expect(wrong, 'locked balances that differ from what open orders and withdrawals hold').toEqual(
    [],
  );
  const closedHolding = await db.order.count({
    where: {
      status: { in: ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'] },
      holdRemaining: { not: 0 },
    },
  });
  expect(closedHolding, 'closed orders still holding funds').toBe(0);
  expect(await ledgerViolations(db)).toEqual([]);
}
