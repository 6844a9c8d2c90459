// A one-row durable commit every 5 ms on its own connection and process, for bench:settlement's
// offered phases: what a commit of nothing costs on this machine in the same seconds (the WAL
// flush and its stalls), against which the settled orders' latency can be read.
// Usage: commit-probe.ts <databaseUrl> <seconds>; prints "ready", then one line of JSON.
import pg from 'pg';

const [url, seconds] = [process.argv[2]!, Number(process.argv[3])];
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY)');
console.log('ready');
const latencies: number[] = [];
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  const started = performance.now();
  await client.query('INSERT INTO bench_commit_probe DEFAULT VALUES');
  latencies.push(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await client.end();
latencies.sort((a, b) => a - b);
const at = (p: number) => Number(latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2));
console.log(
  JSON.stringify({ commits: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) }),
);
