// What benchmark scripts share: CPU time per process from Linux's /proc, so each bench can
// say where the time went (elsewhere the figures are NaN, or 0 for processes found by name),
// and the database upkeep between phases.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports CPU time in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
const TICK_MS = 10;

/**
 * CPU milliseconds (user + system) a process has used so far; NaN if it cannot be read.
 * `withReapedChildren` adds what its exited children used (counted once reaped).
 */
export function processCpuMs(pid: number | undefined, withReapedChildren = false): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    const children = withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + children) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** Processes whose command name is `name` (e.g. every `postgres` backend). */
export function pidsNamed(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/**
 * CPU milliseconds of every process named `name` together. Backends come and go: an exited
 * one's time moves to its parent's reaped-children time, which is counted too, so the total
 * never goes down (PostgreSQL's postmaster reaps its backends).
 */
export function namedCpuMs(name: string): number {
  return pidsNamed(name).reduce((sum, pid) => sum + (processCpuMs(pid, true) || 0), 0);
}

/** This process's CPU milliseconds, all threads. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Between a bench's phases, what autovacuum does on a production server: this machine's
 * PostgreSQL runs with `autovacuum = off`, so each phase would otherwise run on the dead row
 * versions and the planner statistics (of empty tables) its predecessors left — each phase
 * slower than the one before for that reason alone. BENCH_VACUUM=0 skips it.
 */
export async function vacuumBetweenPhases(db: {
  $executeRawUnsafe(sql: string): PromiseLike<unknown>;
}): Promise<void> {
  if (process.env.BENCH_VACUUM === '0') return;
  await db.$executeRawUnsafe('VACUUM ANALYZE');
}

/**
 * Checkpoints the server has begun so far (timed or requested, e.g. by WAL volume): read
 * before and after a measured step, it says whether one began during it. Right after a
 * checkpoint begins, the first change of every page writes the whole page to the WAL, and
 * large commits slow down for a while: on this machine's `max_wal_size` (1 GB) the benches
 * write enough WAL to start one every run or two.
 */
export async function checkpointsBegun(db: {
  $queryRawUnsafe<T>(sql: string): PromiseLike<T>;
}): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
    'SELECT (checkpoints_timed + checkpoints_req)::int AS n FROM pg_stat_bgwriter',
  );
  return row?.n ?? 0;
}
