// Housekeeping that every process of a service runs on its own (purges of rows that only
// grow): first a while after start, then at a fixed interval, never two runs at once. A
// failed run is logged and the next one tries again.
import type { Logger } from './logger.ts';

export interface PeriodicOptions {
  everyMs?: number;
  /** The first run, after start. */
  firstAfterMs?: number;
}

/**
 * Runs `task` periodically (default: every hour, first after a minute); the returned function
 * stops it and waits for a run in progress. `what` names the task in the failure's log line.
 */
export function startPeriodic(
  what: string,
  task: () => Promise<void>,
  logger: Logger,
  { everyMs = 3_600_000, firstAfterMs = 60_000 }: PeriodicOptions = {},
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = task()
      .catch((error: unknown) => logger.warn({ err: error }, `${what} failed`))
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
