// The durable intake queue (EngineCommand) gains a row for every order, cancel and amend,
// and settlement only marks it processed: without a purge it grows by the day (a few hundred
// bytes a command, its payload included) although nothing reads a processed row again —
// recovery and the sweep read unprocessed ones, and a command delivered again after its row
// is gone is answered from the order (MarketRunner.submit). Orders, trades, fills and the
// ledger keep the history; a processed command is kept `retentionMs` for inquiries (its
// payload and trace context), then deleted by each engine process every hour. Concurrent
// purges only split the work; an unprocessed command is never deleted, however old.
import type { Db } from '@flowex/db';
import { type Logger, type PeriodicOptions, startPeriodic } from '@flowex/server';

export interface CommandPurgeOptions extends PeriodicOptions {
  /** How long a processed command is kept after it was accepted. */
  retentionMs: number;
}

/** Starts the periodic purge; the returned function stops it (and waits for a running one). */
export function startCommandPurge(
  db: Db,
  logger: Logger,
  { retentionMs, ...schedule }: CommandPurgeOptions,
): () => Promise<void> {
  return startPeriodic(
    'engine command purge',
    async () => {
      const purged = await purgeProcessedCommands(db, new Date(Date.now() - retentionMs));
      if (purged > 0) logger.info({ purged }, 'processed engine commands purged');
    },
    logger,
    schedule,
  );
}

/**
 * Deletes the processed commands accepted before `before`, oldest first, `batch` rows of the
 * primary key a statement (no index on the acceptance time: that would cost every intake an
 * index entry). Ids grow with acceptance, so it stops at the first window that reaches a
 * command accepted since: one hour's purge reads about one hour of commands.
 */
export async function purgeProcessedCommands(
  db: Db,
  before: Date,
  batch = 10_000,
): Promise<number> {
  let purged = 0;
  let after = 0n;
  for (;;) {
    const [step] = await db.$queryRaw<
      { last: bigint | null; examined: number; reached: boolean | null; purged: number }[]
    >`
      WITH examined AS (
        SELECT id, "createdAt", "processedSeq" FROM "EngineCommand"
         WHERE id > ${after} ORDER BY id LIMIT ${batch}
      ), purged AS (
        DELETE FROM "EngineCommand" AS c USING examined AS e
         WHERE c.id = e.id AND e."processedSeq" IS NOT NULL AND e."createdAt" < ${before}
        RETURNING 1
      )
      SELECT max(id) AS last, count(*)::int AS examined,
             bool_or("createdAt" >= ${before}) AS reached,
             (SELECT count(*)::int FROM purged) AS purged
        FROM examined`;
    purged += step?.purged ?? 0;
    if (!step || step.last === null || step.examined < batch || step.reached) return purged;
    after = step.last;
  }
}
