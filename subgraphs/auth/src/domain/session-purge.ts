// Sessions are rows that only grow: every sign-in and every refresh adds one. Those that
// ended more than a day ago (the grace covers clocks that differ between services) are
// deleted every hour by each auth process; concurrent purges only split the work.
import type { Db } from '@flowex/db';
import type { Logger } from '@flowex/server';
import { purgeEndedSessions } from '../data/sessions.ts';

const GRACE_MS = 86_400_000;

export interface SessionPurgeOptions {
  everyMs?: number;
  /** The first purge, after start. */
  firstAfterMs?: number;
}

/** Starts the periodic purge; the returned function stops it (and waits for a running one). */
export function startSessionPurge(
  db: Db,
  logger: Logger,
  { everyMs = 3_600_000, firstAfterMs = 60_000 }: SessionPurgeOptions = {},
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = purgeEndedSessions(db, new Date(Date.now() - GRACE_MS))
      .then((purged) => {
        if (purged > 0) logger.info({ purged }, 'ended sessions purged');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'session purge failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, firstAfterMs);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
