// What bench:platform's phases and its floor share: how requests are driven, and the figures.
import { namedCpuMs, ownCpuMs, processCpuMs } from '@flowex/server/bench';

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : Number.NaN;

/**
 * Requests until `deadline` (performance.now() ms): a closed loop of `concurrency` workers, or,
 * with `offeredPerSecond`, request k started when due (k / rate after `started`) whatever the
 * answers do, its latency counted from then. `request(n, since)` makes request n.
 */
export async function driveLoad(
  request: (n: number, since: number) => Promise<void>,
  {
    started,
    deadline,
    concurrency,
    offeredPerSecond,
  }: {
    started: number;
    deadline: number;
    concurrency: number;
    offeredPerSecond?: number;
  },
) {
  if (offeredPerSecond) {
    const inFlight: Promise<void>[] = [];
    let k = 0;
    for (let now = started; now < deadline; now = performance.now()) {
      const due = Math.floor(((now - started) * offeredPerSecond) / 1000) + 1;
      for (; k < due; k++) inFlight.push(request(k, started + (k * 1000) / offeredPerSecond));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inFlight);
  } else {
    const worker = async (n: number) => {
      for (let i = n; performance.now() < deadline; i++) await request(i, performance.now());
    };
    await Promise.all(Array.from({ length: concurrency }, (_, n) => worker(n)));
  }
}

/** CPU ms so far of each named child process, PostgreSQL, Redis and this process (/proc). */
export function cpuSnapshot(children: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(children)) if (pid) out[name] = processCpuMs(pid) || 0;
  out.postgres = namedCpuMs('postgres');
  out.redis = namedCpuMs('redis-server');
  out['bench client'] = ownCpuMs();
  return out;
}
