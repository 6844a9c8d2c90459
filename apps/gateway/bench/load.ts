// A small closed-loop HTTP load generator: `connections` keep-alive connections, each sending
// the next request as soon as the previous answer arrives. Reports requests/s and latency
// percentiles; a non-2xx answer or a GraphQL error counts as an error.
import { Pool } from 'undici';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

export async function load(
  url: string,
  body: string,
  options: { connections: number; warmupMs: number; durationMs: number },
): Promise<LoadResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const headers = { 'content-type': 'application/json' };
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  const worker = async () => {
    while (!stop) {
      const started = performance.now();
      try {
        const res = await pool.request({ path: target.pathname, method: 'POST', headers, body });
        const text = await res.body.text();
        if (measuring) {
          latencies.push(performance.now() - started);
          if (res.statusCode !== 200 || text.includes('"errors"')) errors++;
        }
      } catch {
        if (measuring) errors++;
      }
    }
  };
  const workers = Array.from({ length: options.connections }, worker);
  await new Promise((r) => setTimeout(r, options.warmupMs));
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, options.durationMs));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(workers);
  await pool.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    rps: Math.round(latencies.length / elapsed),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    requests: latencies.length,
    errors,
  };
}

export const round = (n: number) => Math.round(n * 100) / 100;
