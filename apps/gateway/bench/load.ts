// A small closed-loop HTTP load generator: `connections` keep-alive connections, each sending
// the next request as soon as the previous answer arrives. Reports requests/s and latency
// percentiles; a non-2xx answer or a GraphQL error counts as an error. A request can be a
// sequence of calls (each to its own URL), made one after the other and timed as one.
import { Pool } from 'undici';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  /** CPU µs per measured request of each process `cpu` reads (absent without it). */
  cpuMicrosPerRequest?: Record<string, number>;
}

export interface LoadOptions {
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** CPU milliseconds used so far by each process of interest, read as measuring starts and ends. */
  cpu?: () => Record<string, number>;
}

export interface Call {
  url: string;
  body: string;
}

export async function load(url: string, body: string, options: LoadOptions): Promise<LoadResult> {
  return loadSequence([{ url, body }], options);
}

export async function loadSequence(calls: Call[], options: LoadOptions): Promise<LoadResult> {
  const pools = new Map<string, Pool>();
  const steps = calls.map(({ url, body }) => {
    const target = new URL(url);
    let pool = pools.get(target.origin);
    if (!pool) {
      pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
      pools.set(target.origin, pool);
    }
    return { pool, path: target.pathname, body };
  });
  const headers = { 'content-type': 'application/json' };
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  const worker = async () => {
    while (!stop) {
      const started = performance.now();
      try {
        let failed = false;
        for (const { pool, path, body } of steps) {
          const res = await pool.request({ path, method: 'POST', headers, body });
          const text = await res.body.text();
          if (res.statusCode !== 200 || text.includes('"errors"')) failed = true;
        }
        if (measuring) {
          latencies.push(performance.now() - started);
          if (failed) errors++;
        }
      } catch {
        if (measuring) errors++;
      }
    }
  };
  const workers = Array.from({ length: options.connections }, worker);
  await new Promise((r) => setTimeout(r, options.warmupMs));
  measuring = true;
  const cpuBefore = options.cpu?.();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, options.durationMs));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = options.cpu?.();
  stop = true;
  await Promise.all(workers);
  await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const result: LoadResult = {
    rps: Math.round(latencies.length / elapsed),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    requests: latencies.length,
    errors,
  };
  if (cpuBefore && cpuAfter) {
    result.cpuMicrosPerRequest = Object.fromEntries(
      Object.keys(cpuAfter).map((name) => [
        name,
        Math.round(((cpuAfter[name]! - cpuBefore[name]!) * 1000) / latencies.length),
      ]),
    );
  }
  return result;
}

export const round = (n: number) => Math.round(n * 100) / 100;
