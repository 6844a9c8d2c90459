// Sessions are rows that only grow: every sign-in and every refresh adds one. Those that
// ended more than a day ago (the grace covers clocks that differ between services) are
// deleted every hour by each auth process; concurrent purges only split the work.
import type { Db } from '@flowex/db';
import { type Logger, type PeriodicOptions, startPeriodic } from '@flowex/server';
import { purgeEndedSessions } from '../data/sessions.ts';

const GRACE_MS = 86_400_000;

export type SessionPurgeOptions = PeriodicOptions;

/** Starts the periodic purge; the returned function stops it (and waits for a running one). */
export function startSessionPurge(
  db: Db,
  logger: Logger,
  options: SessionPurgeOptions = {},
): () => Promise<void> {
  return startPeriodic(
    'session purge',
    async () => {
      const purged = await purgeEndedSessions(db, new Date(Date.now() - GRACE_MS));
      if (purged > 0) logger.info({ purged }, 'ended sessions purged');
    },
    logger,
    options,
  );
}
