// `npm run bench:gateway`: the same small cross-subgraph query through the stock
// @apollo/gateway (defaults, Apollo Server standalone) and through our gateway, against the
// same two subgraphs (one child process), plus the ceiling: the two calls the query plan
// makes (the market from `ref`, then its ticker from `md` by entity reference) made directly
// by the client, one after the other — no gateway can answer faster than the calls it has to
// make. The owning subgraph's single call is printed too. Then the same for a trivial
// one-subgraph mutation. Ends with one JSON line.
import { availableParallelism } from 'node:os';
import { ownCpuMs, processCpuMs } from '@flowex/server/bench';
import { type LoadResult, load, loadSequence, round } from './load.ts';
import { start, stopAll } from './spawn.ts';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const durationMs = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const warmupMs = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;

const crossQuery = JSON.stringify({
  query:
    'query Bench { market(symbol: "BTC-USDT") { symbol baseAsset { name } ticker { lastPrice } } }',
});
const directQuery = JSON.stringify({
  query: 'query Bench { market(symbol: "BTC-USDT") { symbol baseAsset { name } } }',
});
const tickerByEntity = JSON.stringify({
  query:
    'query Bench($representations: [_Any!]!) { _entities(representations: $representations) { ... on Market { ticker { lastPrice } } } }',
  variables: { representations: [{ __typename: 'Market', symbol: 'BTC-USDT' }] },
});
const mutation = JSON.stringify({ query: 'mutation Ping { ping(n: 1) }' });

const { value: subgraphs, child: subgraphsChild } = await start<{
  md: string;
  ref: string;
  sdl: string;
}>('subgraphs');
const [{ value: stock, child: stockChild }, { value: ours, child: oursChild }] = await Promise.all([
  start<{ url: string }>('stock', { sdl: subgraphs.sdl }),
  start<{ url: string }>('ours', { sdl: subgraphs.sdl }),
]);
// Where each request's CPU goes: the load client (this process), the gateway measured (the
// other one idles) and the subgraphs' process. With cores idle the client is the limit, and
// requests/s alone would say nothing of what a request costs.
const cpu = () => ({
  client: ownCpuMs(),
  stock: processCpuMs(stockChild.pid),
  ours: processCpuMs(oursChild.pid),
  subgraphs: processCpuMs(subgraphsChild.pid),
});
const cores = availableParallelism();
const cpuLine = (result: LoadResult) => {
  const per = result.cpuMicrosPerRequest ?? {};
  const total = Object.values(per).reduce((a, b) => a + b, 0);
  const busy = Math.round((total * result.rps) / 1e4 / cores);
  return `${''.padEnd(28)} CPU per request ${total} µs: ${Object.entries(per)
    .filter(([, micros]) => micros > 0)
    .map(([name, micros]) => `${name} ${micros}`)
    .join(', ')} (${busy}% of ${cores} cores busy)`;
};
const options = { connections, warmupMs, durationMs, cpu };
const run = async (label: string, url: string, body: string) => {
  const result = await load(url, body, options);
  console.log(
    `${label.padEnd(28)} ${String(result.rps).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  errors ${result.errors}`,
  );
  console.log(cpuLine(result));
  return result;
};

console.log(`cross-subgraph query (${connections} connections, ${durationMs / 1000}s each):`);
const directOne = await run('ref subgraph directly', subgraphs.ref, directQuery);
const directBoth = await loadSequence(
  [
    { url: subgraphs.ref, body: directQuery },
    { url: subgraphs.md, body: tickerByEntity },
  ],
  options,
);
console.log(
  `${'both subgraphs directly'.padEnd(28)} ${String(directBoth.rps).padStart(7)} req/s  p50 ${directBoth.p50Ms} ms  p99 ${directBoth.p99Ms} ms  errors ${directBoth.errors}  (ceiling: the plan's two calls)`,
);
console.log(cpuLine(directBoth));
const stockQ = await run('stock @apollo/gateway', stock.url, crossQuery);
const oursQ = await run('our gateway', ours.url, crossQuery);
console.log('one-subgraph mutation:');
const directM = await run('subgraph directly (ref)', subgraphs.ref, mutation);
const stockM = await run('stock @apollo/gateway', stock.url, mutation);
const oursM = await run('our gateway', ours.url, mutation);
stopAll();

const figures = {
  ourRps: oursQ.rps,
  stockRps: stockQ.rps,
  directRps: directBoth.rps,
  ratioVsStock: round(oursQ.rps / stockQ.rps),
  ratioDirectVsOurs: round(directBoth.rps / oursQ.rps),
  directOneCallRps: directOne.rps,
  ourP50Ms: oursQ.p50Ms,
  ourP99Ms: oursQ.p99Ms,
  stockP50Ms: stockQ.p50Ms,
  stockP99Ms: stockQ.p99Ms,
  directP50Ms: directBoth.p50Ms,
  directP99Ms: directBoth.p99Ms,
  errors:
    directOne.errors +
    directBoth.errors +
    stockQ.errors +
    oursQ.errors +
    directM.errors +
    stockM.errors +
    oursM.errors,
  cpuMicrosPerRequest: {
    direct: directBoth.cpuMicrosPerRequest,
    stock: stockQ.cpuMicrosPerRequest,
    ours: oursQ.cpuMicrosPerRequest,
  },
  mutation: {
    cpuMicrosPerRequest: {
      direct: directM.cpuMicrosPerRequest,
      stock: stockM.cpuMicrosPerRequest,
      ours: oursM.cpuMicrosPerRequest,
    },
    ourRps: oursM.rps,
    stockRps: stockM.rps,
    directRps: directM.rps,
    ratioVsStock: round(oursM.rps / stockM.rps),
    ratioDirectVsOurs: round(directM.rps / oursM.rps),
    ourP99Ms: oursM.p99Ms,
    stockP99Ms: stockM.p99Ms,
    directP99Ms: directM.p99Ms,
  },
  connections,
  seconds: durationMs / 1000,
};
console.log(JSON.stringify(figures));
process.exit(0);
