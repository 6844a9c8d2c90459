// bench:platform's floor: the same load as the platform's phases, through the least that the
// platform's design requires of an order's path, written with no GraphQL, no checks and no
// domain code (./platform-floor-worker.ts): the client's HTTP request to a gateway process,
// forwarded over HTTP to an order-taking process, which records the order durably in
// PostgreSQL (group commit) and appends it to a Redis stream; a matching process reads the
// stream, answers, settles in PostgreSQL and publishes the events, which the gateway process
// relays to the subscribers' WebSockets. PostgreSQL writes what bench:settlement's floor writes
// (../../engine/bench/postgres-floor.ts): the rows the engine-service issue requires, on the
// platform's own tables and indexes, generated inside PostgreSQL.
// It is a lower bound, not a design: a cancel writes nothing to PostgreSQL, an order's events
// are one frame to its owner and one per trade, and the answers carry no checks. Whatever
// this floor cannot do on a machine, no implementation of this design on Node (the stack the
// project requires: Apollo's gateway and subgraphs run on Node's HTTP) can.

import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dropRedisKeys } from '@flowex/bus/testing';
import { createTestDatabase } from '@flowex/db/testing';
import { preparePostgresFloor } from '@flowex/engine/bench';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { freePort } from '../src/platform.ts';
import { prng } from '../src/traders.ts';
import { cpuSnapshot, driveLoad, percentile, round } from './load.ts';

export interface PlatformFloorOptions {
  redisUrl: string;
  traders: number;
  /** Requests in flight in the closed loop. */
  concurrency: number;
  seconds: number;
  /** Open-loop steps, requests per second each. */
  offeredRates: number[];
  offeredSeconds: number;
  /** Shares of the platform's own run, so the floor writes what the platform wrote. */
  tradesPerOrder: number;
  ledgerRowsPerOrder: number;
  seed: number;
}

export interface PlatformFloorPhase {
  label: string;
  offeredRequestsPerSecond?: number;
  ordersPerSecond: number;
  requestsPerSecond: number;
  placeOrderP50Ms: number;
  placeOrderP99Ms: number;
  tradeToSubscriberP50Ms: number;
  tradeToSubscriberP99Ms: number;
  errors: number;
  errorSamples: string[];
  /** CPU ms per request of each process, and how busy both cores were. */
  cpuMsPerRequest: Record<string, number>;
  coresBusyPercent: number;
}

const WORKER = fileURLToPath(new URL('./platform-floor-worker.ts', import.meta.url));
/** Order ids far above anything else in the database (the floor's intake writes them). */
const FIRST_ORDER_ID = '1000000000000000000';

/** Busy and total clock ticks of the whole machine (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

function start(role: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [role], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`floor ${role} exited (${code})`)));
  });
}

export async function runPlatformFloor(o: PlatformFloorOptions): Promise<PlatformFloorPhase[]> {
  const database = await createTestDatabase('platform_floor');
  const users = Array.from({ length: o.traders }, () => randomUUID());
  await database.db.$executeRawUnsafe(
    `INSERT INTO "User" (id, email, "updatedAt")
       SELECT u, 'floor-' || u || '@example.com', now() FROM unnest($1::uuid[]) AS u`,
    users,
  );
  await database.db.$executeRawUnsafe(
    // Locked funds too: the floor's settlement releases holds by position in its rounds,
    // which need not be the positions its intake held them at.
    `INSERT INTO "Balance" ("userId", "assetCode", available, locked, "updatedAt")
       SELECT u, a, 1000000000, 1000000000, now() FROM unnest($1::uuid[]) AS u, (VALUES ('USDT'), ('BTC')) AS x(a)`,
    users,
  );
  await preparePostgresFloor(database.url, users);
  const [edgePort, ordersPort] = await Promise.all([freePort(), freePort()]);
  const prefix = `flowex-floor-${randomUUID().slice(0, 8)}`;
  const env = {
    FLOOR_REDIS_URL: o.redisUrl,
    FLOOR_PREFIX: prefix,
    FLOOR_DATABASE_URL: database.url,
    FLOOR_EDGE_PORT: String(edgePort),
    FLOOR_ORDERS_PORT: String(ordersPort),
    FLOOR_FIRST_ORDER_ID: FIRST_ORDER_ID,
    FLOOR_TRADES_PER_ORDER: String(o.tradesPerOrder),
    FLOOR_LEDGER_ROWS_PER_ORDER: String(o.ledgerRowsPerOrder),
  };
  const children: ChildProcess[] = [];
  const pids: Record<string, number | undefined> = {};
  // A process that dies mid-run leaves requests waiting forever: the run fails instead.
  let stopping = false;
  let died: (error: Error) => void = () => {};
  const death = new Promise<never>((_, reject) => {
    died = reject;
  });
  death.catch(() => {});
  try {
    // The matcher first: it reads the stream from its start, so nothing is missed.
    for (const role of ['matcher', 'orders', 'edge']) {
      const child = await start(role, env);
      child.once('exit', (code, signal) => {
        if (!stopping) died(new Error(`floor ${role} exited (${signal ?? code}) during the run`));
      });
      children.push(child);
      pids[role] = child.pid;
    }
    const run = (label: string, seconds: number, offered?: number) =>
      Promise.race([
        phase(o, `http://127.0.0.1:${edgePort}`, pids, label, seconds, offered),
        death,
      ]);
    await run('warm-up', Math.min(5, o.seconds));
    const phases = [await run('floor, closed loop', o.seconds)];
    for (const rate of o.offeredRates)
      phases.push(await run(`floor, offered ${rate} req/s`, o.offeredSeconds, rate));
    return phases;
  } finally {
    stopping = true;
    for (const child of children) child.kill('SIGKILL');
    await database.drop();
    await dropRedisKeys(o.redisUrl, `${prefix}:`);
  }
}

async function phase(
  o: PlatformFloorOptions,
  url: string,
  pids: Record<string, number | undefined>,
  label: string,
  seconds: number,
  offeredPerSecond?: number,
): Promise<PlatformFloorPhase> {
  const random = prng(o.seed);
  const traders = Array.from({ length: o.traders }, (_, i) => ({
    id: `t${i}`,
    open: [] as string[],
  }));
  const placeLatencies: number[] = [];
  const tradeLatencies: number[] = [];
  let errors = 0;
  const errorSamples: string[] = [];
  let placed = 0;
  let requests = 0;

  // Subscriptions: one socket per trader (its orders), one for the market's trades.
  const wsUrl = url.replace(/^http/, 'ws');
  const sockets = [...traders.map((t) => `${wsUrl}/?user=${t.id}`), `${wsUrl}/`].map(
    (address) => new WebSocket(address),
  );
  sockets.at(-1)!.on('message', (data) => {
    const frame = JSON.parse(String(data)) as {
      payload: { data: { trades: { executedAt: string } } };
    };
    tradeLatencies.push(Date.now() - Date.parse(frame.payload.data.trades.executedAt));
  });
  for (const socket of sockets.slice(0, -1))
    socket.on('message', (data) => JSON.parse(String(data)));
  await Promise.all(sockets.map((s) => new Promise((r) => s.once('open', r))));

  const http = new Pool(url, { connections: Math.max(o.concurrency, 256) });
  const post = async (body: object) => {
    const { statusCode, body: answer } = await http.request({
      path: '/',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
      body: JSON.stringify(body),
    });
    const text = await answer.text();
    if (statusCode !== 200) throw new Error(text);
    return JSON.parse(text) as { data: Record<string, { id: string; status: string }> };
  };
  /** One request of trader n, as the platform's phases make them: a cancel or a new order. */
  async function request(n: number, since: number) {
    const trader = traders[n % traders.length]!;
    try {
      if (trader.open.length > 20 || (trader.open.length > 0 && random() < 0.3)) {
        const id = trader.open.splice(Math.floor(random() * trader.open.length), 1)[0]!;
        await post({
          query: 'mutation($id: ID!) { cancelOrder(id: $id) { id } }',
          variables: { id },
          user: trader.id,
        });
      } else {
        const side = random() < 0.5 ? 'BUY' : 'SELL';
        const price = (50_000 * (1 + (random() - 0.5) * 0.004)).toFixed(2);
        const { data } = await post({
          query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }',
          variables: { i: { market: 'BTC-USDT', side, type: 'LIMIT', price, quantity: '0.001' } },
          user: trader.id,
        });
        if (data.placeOrder!.status === 'NEW') trader.open.push(data.placeOrder!.id);
        placed++;
        placeLatencies.push(performance.now() - since);
      }
      requests++;
    } catch (error) {
      errors++;
      if (errorSamples.length < 3) errorSamples.push(String((error as Error).message ?? error));
    }
  }

  const cpuBefore = cpuSnapshot(pids);
  const ticksBefore = machineTicks();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await driveLoad(request, { started, deadline, concurrency: o.concurrency, offeredPerSecond });
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(pids);
  const ticksAfter = machineTicks();
  await new Promise((r) => setTimeout(r, 500)); // the last events arrive
  await http.close();
  for (const socket of sockets) socket.close();

  placeLatencies.sort((a, b) => a - b);
  tradeLatencies.sort((a, b) => a - b);
  return {
    label,
    ...(offeredPerSecond ? { offeredRequestsPerSecond: offeredPerSecond } : {}),
    ordersPerSecond: round(placed / elapsed, 0),
    requestsPerSecond: round(requests / elapsed, 0),
    placeOrderP50Ms: round(percentile(placeLatencies, 0.5)),
    placeOrderP99Ms: round(percentile(placeLatencies, 0.99)),
    tradeToSubscriberP50Ms: round(percentile(tradeLatencies, 0.5)),
    tradeToSubscriberP99Ms: round(percentile(tradeLatencies, 0.99)),
    errors,
    errorSamples,
    cpuMsPerRequest: Object.fromEntries(
      Object.keys(cpuAfter).map((k) => [
        k,
        round((cpuAfter[k]! - cpuBefore[k]!) / Math.max(1, requests), 3),
      ]),
    ),
    coresBusyPercent: round(
      (100 * (ticksAfter.busy - ticksBefore.busy)) / (ticksAfter.total - ticksBefore.total),
      0,
    ),
  };
}
