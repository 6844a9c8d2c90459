import { loadConfig } from '@flowex/config';
import { type Db, seedDatabase } from '@flowex/db';

export const testConfig = () =>
  loadConfig({ NODE_ENV: 'test', LOG_LEVEL: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });

export async function seed(db: Db) {
  await seedDatabase(db, { sandbox: false });
}

/** A trader funded through completed deposits (balanced ledger journals). */
export { fundedUser } from '@flowex/db/testing';

export async function balance(db: Db, userId: string, assetCode: string) {
  const b = await db.balance.findUnique({ where: { userId_assetCode: { userId, assetCode } } });
  return { available: b?.available.toFixed() ?? '0', locked: b?.locked.toFixed() ?? '0' };
}

export { dropRedisKeys } from '@flowex/bus/testing';
/** The money invariants (violations; empty = fine). */
export { dailyVolumeViolations, ledgerViolations } from '@flowex/db/testing';
