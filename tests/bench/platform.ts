// `npm run bench:platform`: simulated traders through the gateway, on one market and on
// four, placing and cancelling limit orders around a moving price (fixed seed), with open
// trades / orderBook / myOrders subscriptions. The platform runs as `npm start` runs it with
// REDIS_URL set — every service its own process — against the local PostgreSQL and Redis,
// so CPU can be read per process. Ends with one JSON line of figures.
//
// First BENCH_WARMUP_SECONDS (default 10) of the same load on all four markets, not measured;
// before each measured phase, VACUUM ANALYZE (BENCH_VACUUM=0 skips it; see `vacuumBetweenPhases`);
// each phase says whether PostgreSQL began a checkpoint during it (`checkpointsBegun`).
// The two main phases are closed loops (BENCH_CONCURRENCY requests in flight): their latency
// is measured at saturation, where it is queueing. Then, on one market, requests are offered
// open-loop at fixed rates (BENCH_OFFERED_RATES requests/s, BENCH_OFFERED_SECONDS each),
// latency counted from each request's due time: the placeOrder p99 the platform gives below
// saturation, and the highest rate up to which it stays within 50 ms.
// Last, with the platform stopped, its floor (./platform-floor.ts): the same load through the
// least the platform's design requires of an order's path, with no GraphQL and no domain code —
// what no implementation of this design on Node can beat here. BENCH_FLOOR_SECONDS (default
// 8; 0 skips it) for its closed loop and each of its offered rates, BENCH_FLOOR_RATES requests/s
// (default 1000,2000,3000,4000); BENCH_FLOOR_ONLY=1 runs the floor alone.
// BENCH_TRACE=1: every request traced (OpenTelemetry, to a collector the bench runs) and each
// phase's placeOrder cut into segments from its traces — where its time goes, tail included
// (`placeOrderBreakdown`). Tracing costs CPU: such a run's throughput is not the headline one.
import { randomBytes } from 'node:crypto';
import { checkpointsBegun, vacuumBetweenPhases } from '@flowex/server/bench';
import { createClient } from 'graphql-ws';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from '../src/platform.ts';
import { requireRedis, TEST_REDIS_URL } from '../src/redis.ts';
import { breakdownTable, placeOrderBreakdown } from '../src/trace-breakdown.ts';
import { startCollector, type TraceCollector } from '../src/trace-collector.ts';
import { prng } from '../src/traders.ts';
import { cpuSnapshot, driveLoad, percentile, round } from './load.ts';
import { type PlatformFloorPhase, runPlatformFloor } from './platform-floor.ts';

const SEED = Number(process.env.BENCH_SEED ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
// Each trader is held to the gateway's per-user limit (GATEWAY_RATE_PER_USER, 100 requests/s):
// the target of 3,000 orders/s is ≈ 4,700 requests/s with the cancels, so 64 traders stay
// under it (16 did not once the platform passed ≈ 1,500 requests/s: a sixth of the requests
// were refused RATE_LIMITED, counted as errors).
const TRADERS = Number(process.env.BENCH_TRADERS ?? 64);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 48);
const OFFERED_RATES = (process.env.BENCH_OFFERED_RATES ?? '250,500,750,1000,1250')
  .split(',')
  .filter(Boolean)
  .map(Number);
const OFFERED_SECONDS = Number(process.env.BENCH_OFFERED_SECONDS ?? 8);
// Unmeasured load first, on all four markets: the services' JIT compiles their hot paths in
// the first seconds of load (a fifth of the engine's CPU and a tenth of the trading
// subgraph's went to optimizing compiles in a cold 15 s phase), which a platform that has
// been running for a while no longer pays.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const LATENCY_TARGET_MS = 50;
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 8);
const FLOOR_RATES = (process.env.BENCH_FLOOR_RATES ?? '1000,2000,3000,4000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const FLOOR_ONLY = process.env.BENCH_FLOOR_ONLY === '1';
/** Trades per order placed on one market in this bench (the floor's matcher fills as many). */
const TRADES_PER_ORDER = 0.63;
const TRACE = process.env.BENCH_TRACE === '1';
// More PostgreSQL settings for the platform's database, `name=value;name=value`: e.g. to see
// inside the settlement and intake functions, 'session_preload_libraries=auto_explain;
// auto_explain.log_min_duration=0;auto_explain.log_nested_statements=on;
// auto_explain.log_analyze=on;auto_explain.sample_rate=0.02' (plans in the server's log).
const DATABASE_SETTINGS = Object.fromEntries(
  (process.env.BENCH_DATABASE_SETTINGS ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`BENCH_DATABASE_SETTINGS: not name=value: ${pair}`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
);

const MARKETS = {
  'BTC-USDT': { mid: 50_000, tick: 0.01, qty: 0.001, qtyDecimals: 5, priceDecimals: 2 },
  'ETH-USDT': { mid: 3_000, tick: 0.01, qty: 0.01, qtyDecimals: 4, priceDecimals: 2 },
  'SOL-USDT': { mid: 150, tick: 0.01, qty: 0.1, qtyDecimals: 2, priceDecimals: 2 },
  'ETH-BTC': { mid: 0.06, tick: 0.00001, qty: 0.01, qtyDecimals: 4, priceDecimals: 5 },
} as const;
type MarketSymbol = keyof typeof MARKETS;

// --- PostgreSQL's functions: settlement batches and intake groups -------------------------
const FUNCTIONS = {
  flowex_settle_batch: 'settlement batches',
  flowex_place_orders: 'intake groups',
  flowex_place_order: 'orders recorded alone',
} as const;
type FunctionStats = Record<string, { calls: number; totalMs: number }>;

/**
 * Calls and time of the platform's PostgreSQL functions so far (`track_functions`). Backends
 * report at most once a second, so a phase's figures are shifted by up to a second.
 */
async function functionStats(platform: TestPlatform): Promise<FunctionStats> {
  const rows = await platform.database.db.$queryRawUnsafe<
    { name: string; calls: bigint; total: number }[]
  >('SELECT funcname AS name, calls, total_time AS total FROM pg_stat_user_functions');
  return Object.fromEntries(
    rows.map((r) => [r.name, { calls: Number(r.calls), totalMs: r.total }]),
  );
}

function functionsDuring(before: FunctionStats, after: FunctionStats, seconds: number) {
  return Object.fromEntries(
    Object.keys(FUNCTIONS).map((name) => {
      const none = { calls: 0, totalMs: 0 };
      const a = after[name] ?? none;
      const b = before[name] ?? none;
      const calls = a.calls - b.calls;
      return [
        name,
        {
          calls,
          perSecond: round(calls / seconds, 0),
          meanMs: calls ? round((a.totalMs - b.totalMs) / calls, 2) : 0,
        },
      ];
    }),
  );
}

// --- the run ---------------------------------------------------------------------------------
interface Trader {
  token: string;
  open: Map<MarketSymbol, string[]>;
}

async function setup(platform: TestPlatform): Promise<Trader[]> {
  const trader = async (i: number): Promise<Trader> => {
    const email = `bench-${i}-${randomBytes(3).toString('hex')}@example.com`;
    const res = await platform.graphql<{ register: { accessToken: string } }>(
      'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
      { i: { email, password: `Bench-Harbor-${randomBytes(6).toString('hex')}!` } },
    );
    if (!res.data) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
    const token = res.data.register.accessToken;
    for (const [asset, amount] of [
      ['USDT', '100000000'],
      ['BTC', '10000'],
      ['ETH', '100000'],
      ['SOL', '1000000'],
    ]) {
      const dep = await platform.graphql(
        'mutation($a: String!, $n: Decimal!) { deposit(asset: $a, amount: $n) { status } }',
        { a: asset, n: amount },
        token,
      );
      if (dep.errors) throw new Error(`deposit failed: ${JSON.stringify(dep.errors)}`);
    }
    return { token, open: new Map() };
  };
  // A few at a time: each registration hashes a password (argon2) on the auth subgraph.
  const traders: Trader[] = [];
  for (let i = 0; i < TRADERS; i += 8) {
    const ids = Array.from({ length: Math.min(8, TRADERS - i) }, (_, k) => i + k);
    traders.push(...(await Promise.all(ids.map(trader))));
  }
  return traders;
}

/**
 * One phase: subscriptions open, then requests — a closed loop of CONCURRENCY workers, or,
 * with `offeredPerSecond`, requests started at that rate whatever the answers do.
 */
async function phase(
  platform: TestPlatform,
  traders: Trader[],
  symbols: MarketSymbol[],
  label: string,
  { offeredPerSecond, seconds: phaseSeconds }: { offeredPerSecond?: number; seconds?: number } = {},
) {
  const wsUrl = platform.url.replace(/^http/, 'ws');
  const random = prng(SEED);
  const mids = new Map<MarketSymbol, number>(symbols.map((s) => [s, MARKETS[s].mid]));
  const placeLatencies: number[] = [];
  const cancelLatencies: number[] = [];
  const tradeLatencies: number[] = [];
  let errors = 0;
  const errorSamples: string[] = [];
  let placed = 0;
  let running = true;

  // Subscriptions: public trades and book per market, myOrders per trader.
  const clients = [] as ReturnType<typeof createClient>[];
  const subscribe = <T>(query: string, token: string | null, onData: (data: T) => void) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      lazy: false,
    });
    clients.push(client);
    client.subscribe(
      { query },
      {
        next: (msg) => {
          if (msg.errors) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(JSON.stringify(msg.errors));
          } else onData(msg.data as T);
        },
        error: (err) => {
          if (running) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(String((err as Error)?.message ?? err));
          }
        },
        complete: () => {},
      },
    );
  };
  for (const s of symbols) {
    subscribe<{ trades: { executedAt: string } }>(
      `subscription { trades(market: "${s}") { id executedAt } }`,
      null,
      (d) => {
        tradeLatencies.push(Date.now() - Date.parse(d.trades.executedAt));
      },
    );
    subscribe(`subscription { orderBook(market: "${s}", depth: 10) { sequence } }`, null, () => {});
  }
  for (const t of traders) subscribe('subscription { myOrders { id status } }', t.token, () => {});
  await new Promise((r) => setTimeout(r, 1000));

  // Keep-alive connections through undici (lighter than fetch): the client shares the two
  // cores with the platform, so its own CPU per request counts against the result.
  const endpoint = new URL(platform.url);
  const http = new Pool(endpoint.origin, { connections: CONCURRENCY });
  const post = async (query: string, variables: object, token: string) => {
    const { body } = await http.request({
      path: endpoint.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await body.json()) as never;
  };
  const place = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }`;
  const cancel = `mutation($id: ID!) { cancelOrder(id: $id) { id } }`;
  console.error(`${new Date().toISOString()} phase: ${label}`);
  const checkpointsBefore = await checkpointsBegun(platform.database.db);
  const functionsBefore = await functionStats(platform);
  const cpuBefore = cpuSnapshot(platform.supervisor?.pids() ?? {});
  const started = performance.now();
  const startedAt = Date.now();
  const deadline =
    started + (phaseSeconds ?? (offeredPerSecond ? OFFERED_SECONDS : SECONDS)) * 1000;

  /** One request of trader n: a cancel of one of its open orders, or a new order. */
  async function request(n: number, since: number) {
    const trader = traders[n % traders.length]!;
    const symbol = symbols[Math.floor(random() * symbols.length)]!;
    const m = MARKETS[symbol];
    const open = trader.open.get(symbol) ?? [];
    trader.open.set(symbol, open);
    let res: {
      data?: { placeOrder?: { id: string; status: string } } | null;
      errors?: { message: string }[];
    };
    let latencies = placeLatencies;
    if (open.length > 20 || (open.length > 0 && random() < 0.3)) {
      latencies = cancelLatencies;
      const id = open.splice(Math.floor(random() * open.length), 1)[0]!;
      res = await post(cancel, { id }, trader.token);
      if (res.errors?.[0]?.message.match(/not cancel/i)) res = { data: {} }; // filled meanwhile
    } else {
      // The price walks, pulled back towards where it started (a plain random walk drifts
      // with the number of orders: at a few thousand orders it moved over 10 % and the
      // circuit breaker rightly halted the market); orders straddle it so a share cross.
      const pull = (m.mid - mids.get(symbol)!) * 0.01;
      const mid = (mids.get(symbol)! + pull) * (1 + (random() - 0.5) * 0.002);
      mids.set(symbol, mid);
      const side = random() < 0.5 ? 'BUY' : 'SELL';
      const offset = (random() - (side === 'BUY' ? 0.6 : 0.4)) * 0.004 * mid;
      const price = Math.max(m.tick, mid + offset).toFixed(m.priceDecimals);
      const quantity = (m.qty * (1 + Math.floor(random() * 5))).toFixed(m.qtyDecimals);
      res = await post(
        place,
        { i: { market: symbol, side, type: 'LIMIT', price, quantity } },
        trader.token,
      );
      const order = res.data?.placeOrder;
      if (order && (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED'))
        open.push(order.id);
      if (order) placed++;
    }
    if (res.errors) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(JSON.stringify(res.errors));
    } else latencies.push(performance.now() - since);
  }

  await driveLoad(request, { started, deadline, concurrency: CONCURRENCY, offeredPerSecond });
  const seconds = (performance.now() - started) / 1000;
  const endedAt = Date.now();
  await http.close();
  const cpuAfter = cpuSnapshot(platform.supervisor?.pids() ?? {});
  const checkpoints = (await checkpointsBegun(platform.database.db)) - checkpointsBefore;
  await new Promise((r) => setTimeout(r, 1100)); // the last trades arrive, backends report
  const functions = functionsDuring(functionsBefore, await functionStats(platform), seconds);
  running = false;
  await Promise.all(clients.map((c) => c.dispose()));

  const sorted = placeLatencies.sort((a, b) => a - b);
  const cancelSorted = cancelLatencies.sort((a, b) => a - b);
  const tradeSorted = tradeLatencies.sort((a, b) => a - b);
  const requests = sorted.length + cancelSorted.length;
  const cpuMs = Object.keys(cpuAfter).map((k) => [k, cpuAfter[k]! - (cpuBefore[k] ?? 0)] as const);
  const cpuPercent = Object.fromEntries(
    cpuMs.map(([k, ms]) => [k, round((ms / (seconds * 1000)) * 100, 1)]),
  );
  return {
    label,
    markets: symbols.length,
    seconds: round(seconds, 1),
    ...(offeredPerSecond ? { offeredRequestsPerSecond: offeredPerSecond } : {}),
    requests,
    ordersPlaced: placed,
    ordersPerSecond: round(placed / seconds, 0),
    requestsPerSecond: round(requests / seconds, 0),
    placeOrderP50Ms: round(percentile(sorted, 0.5)),
    placeOrderP95Ms: round(percentile(sorted, 0.95)),
    placeOrderP99Ms: round(percentile(sorted, 0.99)),
    cancelOrderP50Ms: round(percentile(cancelSorted, 0.5)),
    cancelOrderP99Ms: round(percentile(cancelSorted, 0.99)),
    tradesSeen: tradeSorted.length,
    tradeToSubscriberP50Ms: round(percentile(tradeSorted, 0.5)),
    tradeToSubscriberP99Ms: round(percentile(tradeSorted, 0.99)),
    errors,
    errorSamples,
    /** PostgreSQL began a checkpoint during the phase (see `checkpointsBegun`). */
    checkpointsBegun: checkpoints,
    cpuPercentPerProcess: cpuPercent,
    /** Calls of PostgreSQL's settlement and intake functions: per second, and their mean time. */
    functions,
    /** Engine commands (requests) per settlement batch. */
    commandsPerBatch: round(requests / Math.max(1, functions.flowex_settle_batch?.calls ?? 0), 1),
    // Where the time goes per request (placeOrder or cancelOrder): CPU ms of each process.
    cpuMsPerRequest: Object.fromEntries(cpuMs.map(([k, ms]) => [k, round(ms / requests, 3)])),
    /** When the phase's requests started and ended (Unix ms): its traces. */
    window: { from: startedAt, to: endedAt },
  };
}

// --- the floor ---------------------------------------------------------------------------
async function floorPhases(tradesPerOrder: number): Promise<PlatformFloorPhase[]> {
  if (FLOOR_SECONDS <= 0) return [];
  console.error(`${new Date().toISOString()} phase: floor (the platform stopped)`);
  return runPlatformFloor({
    redisUrl: TEST_REDIS_URL,
    traders: TRADERS,
    concurrency: CONCURRENCY,
    seconds: FLOOR_SECONDS,
    offeredRates: FLOOR_RATES,
    offeredSeconds: FLOOR_SECONDS,
    tradesPerOrder,
    // Settlement's netted ledger rows per order in large batches (bench:settlement): fewer
    // than small batches write, so the floor stays a lower bound.
    ledgerRowsPerOrder: 2,
    seed: SEED,
  });
}

function printFloor(floor: PlatformFloorPhase[]) {
  if (floor.length === 0) return;
  console.log(
    '\n| floor phase | orders/s | requests/s | placeOrder p50 / p99 ms | trade→subscriber p50 / p99 ms | errors | cores busy | CPU ms per request |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of floor) {
    const cpu = Object.entries(r.cpuMsPerRequest).map(([k, ms]) => `${k} ${ms}`);
    const total = Object.values(r.cpuMsPerRequest).reduce((a, b) => a + b, 0);
    console.log(
      `| ${r.label} | ${r.ordersPerSecond} | ${r.requestsPerSecond} | ${r.placeOrderP50Ms} / ${r.placeOrderP99Ms} | ${r.tradeToSubscriberP50Ms} / ${r.tradeToSubscriberP99Ms} | ${r.errors} | ${r.coresBusyPercent} % | ${round(total, 3)}: ${cpu.join(', ')} |`,
    );
  }
  for (const r of floor)
    if (r.errorSamples.length) console.log(`errors (${r.label}): ${r.errorSamples.join(' | ')}`);
}

/** The highest offered rate up to which every offered rate kept both p99s within the target. */
function floorWithinTarget(floor: PlatformFloorPhase[]) {
  let within = 0;
  for (const r of floor.filter((p) => p.offeredRequestsPerSecond)) {
    if (Math.max(r.placeOrderP99Ms, r.tradeToSubscriberP99Ms) > LATENCY_TARGET_MS || r.errors)
      break;
    within = r.offeredRequestsPerSecond!;
  }
  return within;
}

async function main() {
  await requireRedis();
  if (FLOOR_ONLY) {
    const floor = await floorPhases(TRADES_PER_ORDER);
    printFloor(floor);
    console.log(
      JSON.stringify({ floor, floorWithin50MsUpToRequestsPerSecond: floorWithinTarget(floor) }),
    );
    return;
  }
  console.log(
    `bench:platform — ${TRADERS} traders, ${CONCURRENCY} in flight, ${SECONDS}s per phase, seed ${SEED}`,
  );
  const collector: TraceCollector | undefined = TRACE ? await startCollector() : undefined;
  if (collector) console.log('every request traced (BENCH_TRACE=1): not the headline figures');
  const platform = await startTestPlatform({
    redisUrl: TEST_REDIS_URL,
    // Every simulated trader connects from 127.0.0.1: the per-IP limits (requests, sockets) are
    // for real client addresses; the per-user limit (100/s) still applies to each trader.
    // Per-function call counts and times (pg_stat_user_functions): settlement batches and
    // intake groups per phase.
    databaseSettings: { track_functions: 'pl', ...DATABASE_SETTINGS },
    env: {
      LOG_LEVEL: 'error',
      GATEWAY_RATE_PER_IP: '100000',
      GATEWAY_MAX_SOCKETS_PER_IP: '10000',
      ...(collector ? { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {}),
    },
  });
  // Stopped before the floor runs (which needs the machine to itself), and at the latest on the way out.
  let stopping: Promise<void> | undefined;
  const stopPlatform = () => {
    stopping ??= platform.stop();
    return stopping;
  };
  try {
    const traders = await setup(platform);
    const allMarkets = Object.keys(MARKETS) as MarketSymbol[];
    if (WARMUP_SECONDS > 0)
      await phase(platform, traders, allMarkets, 'warm-up (not measured)', {
        seconds: WARMUP_SECONDS,
      });
    await vacuumBetweenPhases(platform.database.db);
    const one = await phase(platform, traders, ['BTC-USDT'], 'one market');
    await vacuumBetweenPhases(platform.database.db);
    const four = await phase(platform, traders, allMarkets, 'four markets');
    const offered = [];
    for (const rate of OFFERED_RATES) {
      await vacuumBetweenPhases(platform.database.db);
      offered.push(
        await phase(platform, traders, ['BTC-USDT'], `offered ${rate} req/s`, {
          offeredPerSecond: rate,
        }),
      );
    }
    // The highest offered rate up to which every rate kept placeOrder p99 within the target.
    let withinTarget = 0;
    for (const r of [...offered].sort(
      (a, b) => a.offeredRequestsPerSecond! - b.offeredRequestsPerSecond!,
    )) {
      if (r.placeOrderP99Ms > LATENCY_TARGET_MS) break;
      withinTarget = r.offeredRequestsPerSecond!;
    }
    const rows = [one, four, ...offered];
    const segments = collector ? await tracedSegments(collector, rows) : [];
    await stopPlatform();
    const floor = await floorPhases(one.tradesSeen / Math.max(1, one.ordersPlaced));
    console.log(
      '\n| phase | orders/s | placeOrder p50 / p95 / p99 ms | cancelOrder p50 / p99 ms | trade→subscriber p50 / p99 ms | trades seen | errors | checkpoints begun |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.label} | ${r.ordersPerSecond} | ${r.placeOrderP50Ms} / ${r.placeOrderP95Ms} / ${r.placeOrderP99Ms} | ${r.cancelOrderP50Ms} / ${r.cancelOrderP99Ms} | ${r.tradeToSubscriberP50Ms} / ${r.tradeToSubscriberP99Ms} | ${r.tradesSeen} | ${r.errors} | ${r.checkpointsBegun} |`,
      );
    }
    for (const r of rows)
      console.log(`CPU % per process (${r.label}): ${JSON.stringify(r.cpuPercentPerProcess)}`);
    for (const r of rows) {
      const parts = Object.entries(FUNCTIONS).map(([name, what]) => {
        const f = r.functions[name]!;
        return `${f.calls} ${what} (${f.perSecond}/s, ${f.meanMs} ms each)`;
      });
      console.log(
        `PostgreSQL (${r.label}): ${parts.join(', ')}; ${r.commandsPerBatch} commands per batch`,
      );
    }
    // Every phase: below saturation a request costs several times what it costs at saturation.
    for (const r of rows) {
      const total = Object.values(r.cpuMsPerRequest).reduce((a, b) => a + b, 0);
      console.log(
        `CPU ms per request (${r.label}): ${round(total, 2)} in all, ${JSON.stringify(r.cpuMsPerRequest)}`,
      );
    }
    for (const r of rows)
      if (r.errorSamples.length) console.log(`errors (${r.label}): ${r.errorSamples.join(' | ')}`);
    for (const [i, b] of segments.entries()) if (b) console.log(breakdownTable(rows[i]!.label, b));
    printFloor(floor);
    const withSegments = (r: (typeof rows)[number]) => ({
      ...r,
      errorSamples: undefined,
      placeOrderSegments: segments[rows.indexOf(r)],
    });
    console.log(
      JSON.stringify({
        ordersPerSecond: Math.min(one.ordersPerSecond, four.ordersPerSecond),
        placeOrderP50Ms: Math.max(one.placeOrderP50Ms, four.placeOrderP50Ms),
        placeOrderP95Ms: Math.max(one.placeOrderP95Ms, four.placeOrderP95Ms),
        placeOrderP99Ms: Math.max(one.placeOrderP99Ms, four.placeOrderP99Ms),
        tradeToSubscriberP50Ms: Math.max(one.tradeToSubscriberP50Ms, four.tradeToSubscriberP50Ms),
        tradeToSubscriberP99Ms: Math.max(one.tradeToSubscriberP99Ms, four.tradeToSubscriberP99Ms),
        errors: rows.reduce((sum, r) => sum + r.errors, 0),
        oneMarket: withSegments(one),
        fourMarkets: withSegments(four),
        offered: offered.map(withSegments),
        traced: TRACE,
        placeOrderP99Within50MsUpToRequestsPerSecond: withinTarget,
        floor,
        floorWithin50MsUpToRequestsPerSecond: floorWithinTarget(floor),
        traders: TRADERS,
        concurrency: CONCURRENCY,
        seed: SEED,
      }),
    );
  } finally {
    await stopPlatform();
    collector?.server.close();
  }
}

/** Each phase's placeOrder segments, once every service has exported its last spans. */
async function tracedSegments(
  collector: TraceCollector,
  phases: { window: { from: number; to: number } }[],
) {
  // The services export every second (BatchSpanProcessor in @flowex/server's tracing).
  for (let seen = -1; seen !== collector.spans.length; ) {
    seen = collector.spans.length;
    await new Promise((r) => setTimeout(r, 2500));
  }
  return phases.map((p) => placeOrderBreakdown(collector.spans, p.window.from, p.window.to));
}

await main();
process.exit(0);
