// Intake and settlement stay fast only on a vacuumed, analyzed database: every settled order
// leaves a dead row version behind, and the SQL functions' cached plans are only as good as
// the statistics of the last ANALYZE. PostgreSQL's autovacuum does both; with it off (as on
// this project's development machines) a busy database slows down by the hour — in
// bench:platform, the four-market phase ran 15 – 21 % slower for that alone. Say so at start.
import type { Db } from '@flowex/db';
import type { Logger } from '@flowex/server';

/** Logs a warning when the server runs without autovacuum; true when it does. */
export async function warnIfAutovacuumOff(db: Db, logger: Logger): Promise<boolean> {
  const [row] = await db.$queryRawUnsafe<{ setting: string }[]>(
    `SELECT current_setting('autovacuum') AS setting`,
  );
  const off = row?.setting !== 'on';
  if (off) {
    logger.warn(
      'autovacuum is off on this PostgreSQL server: dead row versions and stale planner statistics will slow intake and settlement over time; turn it on, or VACUUM ANALYZE regularly',
    );
  }
  return off;
}
