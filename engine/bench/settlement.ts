// Settlement benchmark: engine loop + group commit on a real PostgreSQL, fed through the
// bus. Phase 1: the intake side (order rows, holds, EngineCommand rows) is written in bulk
// before the clock starts; what is measured is command → engine → committed batch → reply.
// Phase 2 ("with intake"): every order goes through `submitOrder` as the trading subgraph
// calls it (one durable statement per order, then the bus), so intake is inside the clock —
// the ceiling for placeOrder through the whole platform, minus HTTP and GraphQL.
// Commands travel as in production with REDIS_URL set: Redis Streams to the engine, replies
// on pub/sub, the engine and the submitter on separate connections. BENCH_BUS=memory runs
// the embedded mode's in-process bus instead (what the figures before 2026-12-01's fifth
// session measured).
// The engine runs on this process's main thread, so npm's script gives it the engine process's
// Node flags (SERVICE_NODE_ARGS in apps/start/src/services.ts); through Redis the submitters run
// in a worker thread (submitter-worker.ts), as the trading subgraph is a process of its own.
// Phase 3 ("offered rates"): the closed loop above measures latency at saturation, where it is
// queueing; here pre-written commands are offered open-loop at fixed rates, each latency taken
// from the moment the order was due (a stall delays the clock, not the measurement), giving
// p99 at each rate and the highest rate up to which p99 stays within 50 ms. Alongside each
// rate a separate process commits one row every 5 ms (commit-probe.ts): this machine's own
// commit latency in the same seconds, whose stalls no batching can hide; and after each rate
// the same messages go to an echo that answers at once (`harnessAlone`): the submitters,
// Redis and the replies without the engine. Each rate also says how settlement ran meanwhile
// (batches, their size and commit time, the share of time a transaction was in flight) and the
// CPU per order: below saturation batches are small and each order costs more.
// Phase 4 ("PostgreSQL floor", postgres-floor.ts): with the engine stopped, the rows the
// engine-service issue requires of each order, generated inside PostgreSQL in rounds of the
// closed loop's batch size, on one and then two connections: what PostgreSQL alone spends,
// the floor under any engine on this schema and machine (BENCH_FLOOR_SECONDS, default 6; 0
// skips it).
// Before phase 1, BENCH_WARMUP_ORDERS go through the same loop unmeasured: in a cold process
// the JIT's optimizing compiles of the hot paths took a large share of the first seconds,
// which an engine that has been running for a while no longer pays. Before each measured phase
// and each offered rate, VACUUM ANALYZE (BENCH_VACUUM=0 skips it; see `vacuumBetweenPhases`):
// without it a rate ran on the dead rows of the rates before it. Each measured step says
// whether PostgreSQL began a checkpoint during it (`checkpointsBegun`).
// Prints one final JSON line: { ordersPerSecond, p99Ms, ..., withIntake: {...}, offered: [...] }.
//   BENCH_ORDERS (default 40000), BENCH_WARMUP_ORDERS (default 20000), BENCH_INTAKE_ORDERS (default 20000; 0 skips phase 2),
//   BENCH_RATES offered orders/s (default 1000,2000,3000,4000,5000,6000; "" skips phase 3),
//   BENCH_RATE_SECONDS per rate (default 4),
//   BENCH_WINDOW in-flight commands (default 1000), BENCH_BUS (redis | memory; default
//   redis), REDIS_URL (default redis://127.0.0.1:6379),
//   BENCH_MAX_BATCH, BENCH_TARGET_COMMIT_MS: the engine's `maxBatch` and `targetCommitMs`
//   (defaults 2000 and 50; see engine/src/service/batch-size.ts),
//   BENCH_CPU_PROFILE=<file.cpuprofile>: a CPU profile of the engine's thread during phase 1
//   only (open it in Chrome DevTools or VS Code),
//   BENCH_SETUP_SQL: statements separated by ";" (none containing one) run on the bench's
//   database after it is migrated and seeded — what a schema change would save, measured
//   before writing its migration (e.g. 'DROP INDEX "LedgerEntry_journalId_idx"')
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { type Bus, MemoryBus, RedisBus } from '@flowex/bus';
import { createDb, type Db, seedDatabase } from '@flowex/db';
import { createTestDatabase } from '@flowex/db/testing';
import { checkpointsBegun, namedCpuMs, ownCpuMs, vacuumBetweenPhases } from '@flowex/server/bench';
import type { CommandReply, EngineCommandMessage, PlaceCommand } from '../src/intake/protocol.ts';
import { startEngine } from '../src/main.ts';
import { dropRedisKeys, testConfig } from '../test/service/helpers.ts';
import { type FloorStep, preparePostgresFloor, runPostgresFloor } from './postgres-floor.ts';
import type { Job, WorkerOptions } from './submitter-worker.ts';
import { closedLoop, failedCommandId, offered, type Timed, throughIntake } from './submitters.ts';

const N = Number(process.env.BENCH_ORDERS ?? 40_000);
const N_WARMUP = Number(process.env.BENCH_WARMUP_ORDERS ?? 20_000);
const N_INTAKE = Number(process.env.BENCH_INTAKE_ORDERS ?? 20_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1000);
const RATES = (process.env.BENCH_RATES ?? '1000,2000,3000,4000,5000,6000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 4);
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 6);
const LATENCY_TARGET_MS = 50;
const USERS = 200;

/**
 * The markets orders are spread over, round robin (`BENCH_MARKETS`, default 1: BTC-USDT
 * only). Each rests around its own price: 41 price levels (`mid` ± 20 `step`s, in units of
 * 10^-priceScale), quantities of 1 – 10 units of 10^-quantityScale, all exact.
 */
const MARKET_SHAPES = [
  {
    symbol: 'BTC-USDT',
    base: 'BTC',
    quote: 'USDT',
    mid: 3_000_000n,
    step: 100n,
    priceScale: 2,
    quantityScale: 3,
  },
  {
    symbol: 'ETH-USDT',
    base: 'ETH',
    quote: 'USDT',
    mid: 200_000n,
    step: 10n,
    priceScale: 2,
    quantityScale: 2,
  },
  {
    symbol: 'SOL-USDT',
    base: 'SOL',
    quote: 'USDT',
    mid: 10_000n,
    step: 1n,
    priceScale: 2,
    quantityScale: 1,
  },
  {
    symbol: 'ETH-BTC',
    base: 'ETH',
    quote: 'BTC',
    mid: 6_000n,
    step: 1n,
    priceScale: 5,
    quantityScale: 2,
  },
] as const;
const MARKET_COUNT = Number(process.env.BENCH_MARKETS ?? 1);
if (!(MARKET_COUNT >= 1 && MARKET_COUNT <= MARKET_SHAPES.length)) {
  throw new Error(`BENCH_MARKETS must be 1 – ${MARKET_SHAPES.length}`);
}
const MARKETS = MARKET_SHAPES.slice(0, MARKET_COUNT);
/** The market of phase 2 (intake through submitOrder, which prices around BTC-USDT's level). */
const M = MARKET_SHAPES[0].symbol;
/** Enough of every asset the markets trade for every order of the run. */
const FUNDING = { BTC: '100000', ETH: '10000000', SOL: '1000000000', USDT: '10000000000' };
const BUS = process.env.BENCH_BUS === 'memory' ? 'memory' : 'redis';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const streamPrefix = `bench-settlement-${process.pid}:`;
const ECHO_QUEUE = 'bench-echo';

/**
 * The engine's bus, and the submitters: with Redis in a worker thread of their own (separate
 * connections, as the trading subgraph's process has), with the in-process bus on this thread.
 */
function buses(databaseUrl: string): {
  engineBus: Bus;
  submitters: Submitters;
  close(): Promise<void>;
} {
  if (BUS === 'memory') {
    const bus = new MemoryBus();
    const db = createDb(databaseUrl, { poolSize: 16 });
    return {
      engineBus: bus,
      submitters: {
        closed: (messages, window) => closedLoop(bus, messages, window),
        offered: (rate, messages, queue) => offered(bus, queue, rate, messages),
        intake: (users, count, window) => throughIntake(db, bus, M, users, count, window),
      },
      async close() {
        await db.$disconnect();
        await bus.close();
      },
    };
  }
  const engineBus = new RedisBus(REDIS_URL, { streamPrefix });
  const workerOptions: WorkerOptions = {
    redisUrl: REDIS_URL,
    streamPrefix,
    databaseUrl,
    market: M,
  };
  // A worker does not inherit tsx's loader hooks: it registers them itself, then loads the TS.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./submitter-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true, workerData: workerOptions },
  );
  const run = (job: Job) =>
    new Promise<Timed>((resolve, reject) => {
      const done = (result: Timed) => {
        worker.off('error', reject);
        resolve(result);
      };
      worker.once('message', done);
      worker.once('error', reject);
      worker.postMessage(job);
    });
  return {
    engineBus,
    submitters: {
      closed: (messages, window) => run({ kind: 'closed', messages, window }),
      offered: (rate, messages, queue) =>
        run({ kind: 'offered', messages, rate, ...(queue ? { queue } : {}) }),
      intake: (users, count, window) => run({ kind: 'intake', users, count, window }),
    },
    async close() {
      worker.postMessage({ kind: 'stop' } satisfies Job);
      await new Promise((resolve) => worker.once('exit', resolve));
      await engineBus.close();
      await dropRedisKeys(REDIS_URL, streamPrefix);
    },
  };
}

interface Submitters {
  closed(messages: EngineCommandMessage[], window: number): Promise<Timed>;
  /** To each message's market, or all to `queue`. */
  offered(rate: number, messages: EngineCommandMessage[], queue?: string): Promise<Timed>;
  intake(users: { id: string }[], count: number, window: number): Promise<Timed>;
}

async function fundUsers(db: Db) {
  const ids = Array.from({ length: USERS }, () => randomUUID());
  await db.$executeRawUnsafe(
    `INSERT INTO "User" (id, email, "updatedAt") SELECT u, 'bench-' || u || '@example.com', now()
       FROM unnest($1::uuid[]) AS u`,
    ids,
  );
  const rows = await db.user.findMany({
    where: { id: { in: ids } },
    select: { id: true, accountNo: true },
  });
  for (const [asset, amount] of Object.entries(FUNDING)) {
    await db.$executeRawUnsafe(
      `WITH d AS (INSERT INTO "Transaction" (id, "userId", "assetCode", type, status, amount, "updatedAt")
                  SELECT gen_random_uuid(), u, $2, 'DEPOSIT', 'COMPLETED', $3::numeric, now()
                    FROM unnest($1::uuid[]) AS u RETURNING id, "userId")
       INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
       SELECT j, u, $2, b::"LedgerBucket", 'DEPOSIT', a, 'tx:' || d.id
         FROM d, LATERAL (SELECT gen_random_uuid() AS j) g,
              LATERAL (VALUES (d."userId", 'AVAILABLE', $3::numeric), (NULL::uuid, 'EXTERNAL', -$3::numeric))
                AS v(u, b, a)`,
      ids,
      asset,
      amount,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO "Balance" ("userId", "assetCode", available, "updatedAt")
       SELECT u, $2, $3::numeric, now() FROM unnest($1::uuid[]) AS u`,
      ids,
      asset,
      amount,
    );
  }
  return rows;
}

/** `units` × 10^-scale as an exact decimal string. */
function decimal(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** p50 / p99 / p99.9 of latencies in ms (sorted in place). */
function percentiles(latencies: Float64Array) {
  latencies.sort();
  const at = (p: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2));
  return { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999) };
}

/** What submitOrder does per order, in bulk: order rows, holds, commands. */
async function intake(db: Db, users: { id: string; accountNo: number }[], count: number) {
  const messages: EngineCommandMessage[] = [];
  const CHUNK = 5000;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const specs = Array.from({ length: n }, (_, i) => {
      const market = MARKETS[(start + i) % MARKETS.length]!;
      const u = users[Math.floor(Math.random() * users.length)]!;
      const side = Math.random() < 0.5 ? ('BUY' as const) : ('SELL' as const);
      const price = market.mid + BigInt(Math.floor(Math.random() * 41) - 20) * market.step;
      const quantity = BigInt(1 + Math.floor(Math.random() * 10));
      return {
        market: market.symbol,
        u,
        side,
        price: decimal(price, market.priceScale),
        quantity: decimal(quantity, market.quantityScale),
        // A buy holds the quote it may spend (exactly price × quantity), a sell its base.
        hold:
          side === 'BUY'
            ? decimal(price * quantity, market.priceScale + market.quantityScale)
            : decimal(quantity, market.quantityScale),
        asset: side === 'BUY' ? market.quote : market.base,
      };
    });
    const ids = await db.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "Order" ("userId", "marketSymbol", side, type, price, quantity, "holdAsset", "holdRemaining", "updatedAt")
       SELECT u, m, s::"OrderSide", 'LIMIT', p, q, a, h, now()
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::numeric[], $5::numeric[], $6::text[], $7::numeric[])
           WITH ORDINALITY AS x(m, u, s, p, q, a, h, i)
        ORDER BY i RETURNING id::text AS id`,
      specs.map((s) => s.market),
      specs.map((s) => s.u.id),
      specs.map((s) => s.side),
      specs.map((s) => s.price),
      specs.map((s) => s.quantity),
      specs.map((s) => s.asset),
      specs.map((s) => s.hold),
    );
    const bodies: PlaceCommand[] = specs.map((s, i) => ({
      kind: 'PLACE',
      orderId: ids[i]!.id,
      userId: s.u.id,
      accountNo: s.u.accountNo,
      side: s.side,
      type: 'LIMIT',
      timeInForce: 'GTC',
      price: s.price,
      quantity: s.quantity,
      postOnly: false,
      selfTradePrevention: 'NONE',
      hold: s.hold,
    }));
    await db.$executeRawUnsafe(
      `WITH h AS (SELECT u, a, SUM(h) AS h FROM unnest($1::uuid[], $2::text[], $3::numeric[]) AS x(u, a, h) GROUP BY 1, 2)
       UPDATE "Balance" b SET available = b.available - h.h, locked = b.locked + h.h
         FROM h WHERE b."userId" = h.u AND b."assetCode" = h.a`,
      specs.map((s) => s.u.id),
      specs.map((s) => s.asset),
      specs.map((s) => s.hold),
    );
    await db.$executeRawUnsafe(
      `INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
       SELECT j, u, a, b::"LedgerBucket", 'HOLD', m, 'order:' || o
         FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::bigint[]) AS x(u, a, h, o),
              LATERAL (SELECT gen_random_uuid() AS j) g,
              LATERAL (VALUES ('AVAILABLE', -x.h), ('LOCKED', x.h)) AS v(b, m)`,
      specs.map((s) => s.u.id),
      specs.map((s) => s.asset),
      specs.map((s) => s.hold),
      ids.map((r) => r.id),
    );
    const cmds = await db.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "EngineCommand" ("marketSymbol", kind, "orderId", "userId", payload)
       SELECT m, 'PLACE', o, u, p FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::jsonb[]) WITH ORDINALITY AS x(m, o, u, p, i)
        ORDER BY i RETURNING id::text AS id`,
      specs.map((s) => s.market),
      bodies.map((b) => b.orderId),
      bodies.map((b) => b.userId),
      bodies.map((b) => JSON.stringify(b)),
    );
    bodies.forEach((body, i) => {
      messages.push({ commandId: cmds[i]!.id, marketSymbol: specs[i]!.market, body });
    });
  }
  return messages;
}

const CORES = availableParallelism();
const cpuNow = () => ({
  at: performance.now(),
  bench: ownCpuMs(),
  postgres: namedCpuMs('postgres'),
  redis: namedCpuMs('redis-server'),
});
/** CPU µs per order of each side between two snapshots, and how busy the machine was. */
function cpuPerOrder(a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, orders: number) {
  const per = (k: 'bench' | 'postgres' | 'redis') => Math.round(((b[k] - a[k]) * 1000) / orders);
  const used = b.bench - a.bench + (b.postgres - a.postgres) + (b.redis - a.redis);
  return {
    bench: per('bench'),
    postgres: per('postgres'),
    redis: per('redis'),
    busyPercent: Math.round((used / ((b.at - a.at) * CORES)) * 100),
  };
}

interface CommitProbe {
  commits: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Starts commit-probe.ts in a process of its own (the engine's thread would delay its clock);
 * resolves once it commits, to `figures`: a promise of what it measured after `seconds`. (Not
 * to the promise itself: an async function's result adopts a returned promise, and the probe
 * then ran before the step it is to run alongside.)
 */
async function startCommitProbe(databaseUrl: string, seconds: number) {
  const probe = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./commit-probe.ts', import.meta.url).pathname,
      databaseUrl,
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: probe.stdout })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'ready') throw new Error('commit probe did not start');
  const figures = (async () => {
    const { value } = await lines.next();
    return JSON.parse(String(value)) as CommitProbe;
  })();
  return { figures };
}

/** Said of a measured step during which PostgreSQL began a checkpoint (see `checkpointsBegun`). */
function duringIt(checkpoints: number): string {
  return checkpoints > 0 ? `; PostgreSQL began a checkpoint during it (×${checkpoints})` : '';
}

/** Profiles this thread (the engine's) from now until `stop`, which writes the profile. */
async function startProfile(file: string | undefined) {
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.error(`CPU profile of phase 1 written to ${file}`);
    },
  };
}

const t = await createTestDatabase('bench_settlement');
try {
  await seedDatabase(t.db, { sandbox: false });
  for (const statement of (process.env.BENCH_SETUP_SQL ?? '').split(';')) {
    if (statement.trim()) await t.db.$executeRawUnsafe(statement);
  }
  const users = await fundUsers(t.db);
  const { engineBus, submitters, close: closeBuses } = buses(t.url);
  const engine = await startEngine(testConfig(), t.db, engineBus, {
    markets: MARKETS.map((m) => m.symbol),
    databaseUrl: t.url,
    port: 0,
    sweepMs: 3_600_000,
    ...(process.env.BENCH_MAX_BATCH ? { maxBatch: Number(process.env.BENCH_MAX_BATCH) } : {}),
    ...(process.env.BENCH_TARGET_COMMIT_MS
      ? { targetCommitMs: Number(process.env.BENCH_TARGET_COMMIT_MS) }
      : {}),
  });
  const warmup = await intake(t.db, users, N_WARMUP);
  const messages = await intake(t.db, users, N);
  const offeredMessages = await intake(
    t.db,
    users,
    RATES.reduce((sum, rate) => sum + rate * RATE_SECONDS, 0),
  );
  // Statistics as autovacuum would have them after such a bulk load (planner estimates for the
  // 40,000 pre-written commands and orders), so that plans are those of a running system.
  await t.db.$executeRawUnsafe('ANALYZE');
  console.error(
    `intake of ${N} orders written over ${MARKETS.map((m) => m.symbol).join(', ')}; measuring (window ${WINDOW}, ${BUS} bus)`,
  );

  if (warmup.length > 0) {
    await submitters.closed(warmup, WINDOW);
    console.error(`warm-up of ${warmup.length} orders done (not measured)`);
  }
  await vacuumBetweenPhases(t.db);
  // Where the time goes: the settlement transactions (one at a time per market) against the
  // whole run. Orders per second of transaction time is what settlement alone could sustain.
  const { batchSize, commitSeconds } = engine.service.metrics;
  const total = async (h: typeof batchSize, suffix: string) =>
    (await h.get()).values
      .filter((v) => v.metricName?.endsWith(suffix))
      .reduce((a, v) => a + v.value, 0);
  const settlementTotals = async () => ({
    batches: await total(batchSize, '_count'),
    commands: await total(batchSize, '_sum'),
    commitSeconds: await total(commitSeconds, '_sum'),
    trades: await t.db.trade.count(),
    // Rows written once per (user, asset, …) per batch, not per order (netted): fewer per
    // order the larger the batches.
    ledgerRows: await t.db.ledgerEntry.count(),
    transactionRows: await t.db.transaction.count(),
    checkpoints: await checkpointsBegun(t.db),
  });
  /** The settlement transactions between two snapshots of `settlementTotals`, over `seconds`. */
  const settlementBetween = (
    a: Awaited<ReturnType<typeof settlementTotals>>,
    b: Awaited<ReturnType<typeof settlementTotals>>,
    seconds: number,
  ) => {
    const batches = b.batches - a.batches;
    const commands = b.commands - a.commands;
    const commitTotal = b.commitSeconds - a.commitSeconds;
    return {
      batches,
      meanBatch: Math.round(commands / batches),
      meanCommitMs: Number(((commitTotal / batches) * 1000).toFixed(1)),
      commitBusyPercent: Math.round((commitTotal / seconds) * 100),
      ordersPerCommitSecond: Math.round(commands / commitTotal),
      ledgerRowsPerOrder: Number(((b.ledgerRows - a.ledgerRows) / commands).toFixed(2)),
      transactionRowsPerOrder: Number(
        ((b.transactionRows - a.transactionRows) / commands).toFixed(2),
      ),
      checkpointsBegun: b.checkpoints - a.checkpoints,
    };
  };
  const before = await settlementTotals();

  const profile = await startProfile(process.env.BENCH_CPU_PROFILE);
  const cpuBefore = cpuNow();
  const { latencies, seconds } = await submitters.closed(messages, WINDOW);
  const cpu = cpuPerOrder(cpuBefore, cpuNow(), N);
  await profile?.stop();
  const closedLoopLatency = percentiles(latencies);
  const after = await settlementTotals();
  const trades = after.trades - before.trades;
  const settlement = settlementBetween(before, after, seconds);
  console.error(
    `CPU per order: ${cpu.bench} µs in this process (engine, and the submitters' thread), ${cpu.postgres} µs PostgreSQL, ${cpu.redis} µs Redis (${cpu.busyPercent}% of ${CORES} cores busy)`,
  );
  console.error(
    `${settlement.batches} batches of ${settlement.meanBatch} commands on average; one settlement transaction took ${settlement.meanCommitMs} ms on average and transactions were in flight ${settlement.commitBusyPercent}% of the run (summed over markets): settlement alone sustains at most ${settlement.ordersPerCommitSecond} orders/s per market at that cost; ${settlement.ledgerRowsPerOrder} ledger and ${settlement.transactionRowsPerOrder} transaction rows per order${duringIt(settlement.checkpointsBegun)}`,
  );
  // Phase 2: intake inside the clock, through the trading subgraph's own function and a
  // pool of its own (as the subgraph has).
  let withIntake:
    | (ReturnType<typeof percentiles> & {
        orders: number;
        seconds: number;
        ordersPerSecond: number;
        timedOut: number;
        cpuMicrosPerOrder: { bench: number; postgres: number; redis: number };
        checkpointsBegun: number;
      })
    | undefined;
  if (N_INTAKE > 0) {
    await vacuumBetweenPhases(t.db);
    const checkpointsBefore = await checkpointsBegun(t.db);
    const cpuBeforeIntake = cpuNow();
    const run = await submitters.intake(users, N_INTAKE, WINDOW);
    const { busyPercent, ...intakeCpu } = cpuPerOrder(cpuBeforeIntake, cpuNow(), N_INTAKE);
    const intakeCheckpoints = (await checkpointsBegun(t.db)) - checkpointsBefore;
    withIntake = {
      orders: N_INTAKE,
      seconds: Number(run.seconds.toFixed(3)),
      ordersPerSecond: Math.round(N_INTAKE / run.seconds),
      ...percentiles(run.latencies),
      timedOut: run.timedOut ?? 0,
      cpuMicrosPerOrder: intakeCpu,
      checkpointsBegun: intakeCheckpoints,
    };
    console.error(
      `with intake (submitOrder per order, ${WINDOW} in flight): ${withIntake.ordersPerSecond} orders/s, p50 ${withIntake.p50Ms} ms, p99 ${withIntake.p99Ms} ms, p99.9 ${withIntake.p999Ms} ms; CPU per order ${intakeCpu.bench} µs in this process, ${intakeCpu.postgres} µs PostgreSQL, ${intakeCpu.redis} µs Redis (${busyPercent}% of ${CORES} cores busy)${duringIt(intakeCheckpoints)}`,
    );
  }
  // Phase 3: latency at offered rates below saturation.
  const offeredSteps: {
    offeredPerSecond: number;
    ordersPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    p999Ms: number;
    commitProbe: CommitProbe;
    harnessAlone: ReturnType<typeof percentiles>;
    settlement: Omit<ReturnType<typeof settlementBetween>, 'checkpointsBegun'>;
    cpuMicrosPerOrder: { bench: number; postgres: number; redis: number };
    coresBusyPercent: number;
    checkpointsBegun: number;
  }[] = [];
  const stopEcho = await engineBus.serve<EngineCommandMessage, CommandReply>(ECHO_QUEUE, (m) => ({
    commandId: m.commandId,
    outcome: 'placed',
    fills: [],
    seq: '0',
  }));
  let from = 0;
  for (const rate of RATES) {
    const commands = offeredMessages.slice(from, from + rate * RATE_SECONDS);
    from += commands.length;
    await vacuumBetweenPhases(t.db);
    const totalsBefore = await settlementTotals();
    const probe = await startCommitProbe(t.url, RATE_SECONDS);
    const cpuBeforeStep = cpuNow();
    const run = await submitters.offered(rate, commands);
    const { busyPercent, ...stepCpu } = cpuPerOrder(cpuBeforeStep, cpuNow(), commands.length);
    const commitProbe = await probe.figures;
    const { checkpointsBegun: checkpoints, ...stepSettlement } = settlementBetween(
      totalsBefore,
      await settlementTotals(),
      run.seconds,
    );
    // The same messages at the same rate answered at once by an echo on the engine's bus:
    // what the submitters, Redis and the replies cost without the engine.
    const harness = await submitters.offered(rate, commands, ECHO_QUEUE);
    const step = {
      offeredPerSecond: rate,
      ordersPerSecond: Math.round(commands.length / run.seconds),
      ...percentiles(run.latencies),
      commitProbe,
      harnessAlone: percentiles(harness.latencies),
      settlement: stepSettlement,
      cpuMicrosPerOrder: stepCpu,
      coresBusyPercent: busyPercent,
      checkpointsBegun: checkpoints,
    };
    offeredSteps.push(step);
    console.error(
      `offered ${rate} orders/s for ${RATE_SECONDS} s: ${step.ordersPerSecond} orders/s settled, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, p99.9 ${step.p999Ms} ms; a one-row commit alongside: p50 ${commitProbe.p50Ms} ms, p99 ${commitProbe.p99Ms} ms, max ${commitProbe.maxMs} ms; the harness alone (an echo instead of the engine): p50 ${step.harnessAlone.p50Ms} ms, p99 ${step.harnessAlone.p99Ms} ms${duringIt(checkpoints)}`,
    );
    // Why p99 grows long before the closed loop's rate: small batches cost more per order.
    console.error(
      `  meanwhile ${stepSettlement.batches} batches of ${stepSettlement.meanBatch} commands, ${stepSettlement.meanCommitMs} ms each, a transaction in flight ${stepSettlement.commitBusyPercent}% of the time; CPU per order ${stepCpu.bench} µs in this process, ${stepCpu.postgres} µs PostgreSQL, ${stepCpu.redis} µs Redis (${busyPercent}% of ${CORES} cores busy)`,
    );
  }
  await stopEcho();
  // The highest rate up to which every offered rate kept p99 within the target.
  let withinTarget = 0;
  for (const step of [...offeredSteps].sort((a, b) => a.offeredPerSecond - b.offeredPerSecond)) {
    if (step.p99Ms > LATENCY_TARGET_MS) break;
    withinTarget = step.offeredPerSecond;
  }
  await engine.stop();
  await closeBuses();
  // Phase 4: the PostgreSQL floor (postgres-floor.ts), the engine stopped.
  const postgresFloor: FloorStep[] = [];
  if (FLOOR_SECONDS > 0) {
    await vacuumBetweenPhases(t.db);
    await preparePostgresFloor(
      t.url,
      users.map((u) => u.id),
    );
    const shape = {
      ordersPerRound: settlement.meanBatch,
      tradesPerOrder: trades / N,
      ledgerRowsPerOrder: settlement.ledgerRowsPerOrder,
    };
    for (const connections of [1, 2]) {
      const {
        orders,
        before: a,
        after: b,
      } = await runPostgresFloor(t.url, shape, connections, FLOOR_SECONDS, cpuNow);
      const { busyPercent, postgres, bench } = cpuPerOrder(a, b, orders);
      const step: FloorStep = {
        connections,
        ordersPerSecond: Math.round((orders * 1000) / (b.at - a.at)),
        cpuMicrosPerOrder: { postgres, bench },
        coresBusyPercent: busyPercent,
      };
      postgresFloor.push(step);
      console.error(
        `PostgreSQL floor (the issue's rows of each order generated inside PostgreSQL: rounds of ${shape.ordersPerRound} orders, intake then settlement, on ${connections} connection${connections > 1 ? 's' : ''}; no engine, no Redis): ${step.ordersPerSecond} orders/s, CPU per order ${step.cpuMicrosPerOrder.postgres} µs PostgreSQL, ${step.cpuMicrosPerOrder.bench} µs this process (${step.coresBusyPercent}% of ${CORES} cores busy)`,
      );
    }
  }
  console.log(
    JSON.stringify({
      benchmark: 'settlement',
      bus: BUS,
      markets: MARKETS.map((m) => m.symbol),
      orders: N,
      trades,
      window: WINDOW,
      seconds: Number(seconds.toFixed(3)),
      ordersPerSecond: Math.round(N / seconds),
      ...closedLoopLatency,
      ...settlement,
      cpuMicrosPerOrder: { bench: cpu.bench, postgres: cpu.postgres, redis: cpu.redis },
      withIntake,
      offered: offeredSteps,
      /** Every offered rate up to this one kept p99 within 50 ms (0: not even the lowest). */
      p99Within50MsUpToOrdersPerSecond: withinTarget,
      postgresFloor,
    }),
  );
} catch (error) {
  // A command without an answer: say whether the engine processed it (its reply was lost on
  // the way back) or not (the command itself was lost or stuck), before the database goes.
  const id = failedCommandId(error);
  if (id) {
    const row = await t.db.engineCommand.findUnique({ where: { id: BigInt(id) } });
    console.error(
      row?.processedSeq != null
        ? `command ${id} was processed at engine seq ${row.processedSeq}: its reply was lost`
        : `command ${id} was never processed`,
    );
  }
  throw error;
} finally {
  await t.drop();
}
