// `npm run bench:fanout`: subscribers to `trades` on one market through our gateway while the
// market-data subgraph publishes 10 trades/s; latency is publish → delivery at every
// subscriber (same machine clock). After a 1 s warm-up, phase 1: 1,000 subscribers; phase 2:
// 10,000; 30 events each. Every event is counted at every subscriber. Ends with one JSON line.
// FANOUT_EVENTS, FANOUT_MAX, FANOUT_WORKERS (gateway processes) and FANOUT_DEBUG (per-event
// latencies) adjust it.
import { processCpuMs } from '@flowex/server/bench';
import WebSocket from 'ws';
import { round } from './load.ts';
import { start, stopAll } from './spawn.ts';

const PER_SECOND = 10;
const WORKERS = Number(process.env.FANOUT_WORKERS ?? 1);
const EVENTS = Number(process.env.FANOUT_EVENTS ?? 30);
const PHASES = [1_000, Number(process.env.FANOUT_MAX ?? 10_000)];
const QUERY =
  'subscription Fanout { trades(market: "BTC-USDT") { id price publishedAt market { symbol baseAsset { name } } } }';

const { value: sub, child: subgraphs } = await start<{ sdl: string }>('subgraphs', {
  publishPerSecond: PER_SECOND,
  publishCount: EVENTS,
});
const { value: gw, child: gatewayChild } = await start<{ url: string }>('ours', {
  sdl: sub.sdl,
  limits: { maxSocketsPerIp: 50_000, connectionInitTimeoutMs: 60_000 },
  workers: WORKERS,
});
const gatewayWsUrl = gw.url.replace(/^http/, 'ws');

interface Subscriber {
  ws: WebSocket;
  received: Map<string, number>;
  /** Closed by the bench itself: not an error. */
  closing?: boolean;
}
const subscribers: Subscriber[] = [];
let errors = 0;
/** Deliveries of the running phase's events, counted as they arrive (waiting must not scan). */
let phasePrefix = '\0';
let phaseDelivered = 0;

function connectOne(wsUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws', {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    const s: Subscriber = { ws, received: new Map() };
    ws.on('open', () => ws.send('{"type":"connection_init","payload":{}}'));
    ws.on('message', (raw: Buffer) => {
      // Cheap on purpose (10,000 sockets share this process): no JSON.parse of events.
      const text = raw.toString('latin1');
      if (text.charCodeAt(2) === 105 /* {"id" */) {
        const now = performance.timeOrigin + performance.now();
        if (text.indexOf('"type":"next"') === -1) {
          errors++;
          return;
        }
        const i = text.indexOf('"trades":{"id":"') + 16;
        const id = text.slice(i, text.indexOf('"', i));
        const j = text.indexOf('"publishedAt":', i) + 14;
        const at = Number.parseFloat(text.slice(j, j + 24));
        if (!s.received.has(id) && id.startsWith(phasePrefix)) phaseDelivered++;
        s.received.set(id, now - at);
        return;
      }
      if (text.includes('connection_ack')) {
        ws.send(`{"id":"1","type":"subscribe","payload":{"query":${JSON.stringify(QUERY)}}}`);
        subscribers.push(s);
        resolve();
      }
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (!s.closing && code !== 1000 && code !== 1005) errors++;
    });
  });
}

async function grow(to: number, wsUrl = gatewayWsUrl) {
  const started = performance.now();
  while (subscribers.length < to) {
    const batch = Math.min(200, to - subscribers.length);
    await Promise.all(Array.from({ length: batch }, () => connectOne(wsUrl)));
  }
  // Let the last subscriptions reach the (shared) upstream.
  await new Promise((r) => setTimeout(r, 500));
  return round((performance.now() - started) / 1000);
}

async function phase(
  name: string,
  events = EVENTS,
  publisher = subgraphs,
  server: number | undefined = gatewayChild.pid,
) {
  const cpu0 = process.cpuUsage();
  const server0 = processCpuMs(server);
  phasePrefix = `${name}-`;
  phaseDelivered = 0;
  publisher.stdin!.write(`publish ${name} ${events}\n`);
  const deadline = performance.now() + (events / PER_SECOND) * 1000 + 15_000;
  const expected = events * subscribers.length;
  // Waiting reads a counter: scanning 10,000 subscribers' maps here (as an earlier version
  // did every 250 ms) blocked this process while the last events were arriving and added
  // its own delay to their measured latency.
  while (phaseDelivered < expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = processCpuMs(server) - server0;
  const latencies: number[] = [];
  for (const s of subscribers) {
    for (const [id, ms] of s.received) if (id.startsWith(`${name}-`)) latencies.push(ms);
  }
  if (process.env.FANOUT_DEBUG) {
    const byEvent = new Map<string, number[]>();
    for (const s of subscribers) {
      for (const [id, ms] of s.received) {
        if (!id.startsWith(`${name}-`)) continue;
        if (!byEvent.has(id)) byEvent.set(id, []);
        byEvent.get(id)!.push(ms);
      }
    }
    for (const [id, list] of byEvent) {
      list.sort((a, b) => a - b);
      console.log(
        id,
        'min',
        round(list[0]!),
        'p50',
        round(list[list.length >> 1]!),
        'max',
        round(list.at(-1)!),
      );
    }
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    /** CPU this (client) process spent per event, receiving it at every subscriber. */
    clientCpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / events),
    /** CPU the serving process (gateway, or the bare floor server) spent per event. */
    serverCpuMsPerEvent: round(serverCpu / events),
    subscribers: subscribers.length,
    delivered: latencies.length,
    missed: expected - latencies.length,
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    maxMs: round(latencies.at(-1) ?? 0),
  };
}

// Warm-up (not measured): the first events after start-up pay for JIT compilation and the
// gateway's first connections to the subgraphs.
await grow(PHASES[0]!);
const warmup = await phase('warmup', 10);
console.log(`warm-up: ${warmup.delivered} events delivered to ${warmup.subscribers} subscribers`);

const results = [];
for (const [i, size] of PHASES.entries()) {
  const connectSeconds = await grow(size);
  const result = { ...(await phase(`p${i}`)), connectSeconds };
  console.log(
    `${String(result.subscribers).padStart(6)} subscribers: p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  max ${result.maxMs} ms  delivered ${result.delivered}  missed ${result.missed}  (connected in ${connectSeconds}s; CPU per event: gateway ${result.serverCpuMsPerEvent} ms, client ${result.clientCpuMsPerEvent} ms)`,
  );
  results.push(result);
}
function disconnectAll() {
  for (const s of subscribers) {
    s.closing = true;
    s.ws.terminate();
  }
  subscribers.length = 0;
}
disconnectAll();

let floor: Awaited<ReturnType<typeof phase>> | undefined;
if (process.env.FANOUT_FLOOR !== '0') {
  const size = PHASES.at(-1)!;
  const { value, child } = await start<{ url: string }>('floor', {
    publishPerSecond: PER_SECOND,
    publishCount: EVENTS,
  });
  await grow(size, value.url);
  await phase('floorwarmup', 10, child, child.pid);
  floor = await phase('floor', EVENTS, child, child.pid);
  console.log(
    `${String(floor.subscribers).padStart(6)} subscribers, floor (bare ws server, one pre-built frame per socket, no GraphQL): p50 ${floor.p50Ms} ms  p99 ${floor.p99Ms} ms  max ${floor.maxMs} ms  delivered ${floor.delivered}  missed ${floor.missed}  (CPU per event: server ${floor.serverCpuMsPerEvent} ms, client ${floor.clientCpuMsPerEvent} ms)`,
  );
  disconnectAll();
}
stopAll();
console.log(
  JSON.stringify({
    p99Ms1k: results[0]!.p99Ms,
    p99Ms10k: results[1]!.p99Ms,
    floorP99Ms10k: floor?.p99Ms ?? null,
    floorP50Ms10k: floor?.p50Ms ?? null,
    p50Ms1k: results[0]!.p50Ms,
    p50Ms10k: results[1]!.p50Ms,
    missedEvents: results.reduce((n, r) => n + r.missed, 0),
    subscribers: PHASES,
    eventsPerPhase: EVENTS,
    publishPerSecond: PER_SECOND,
    gatewayWorkers: WORKERS,
    errors,
  }),
);
process.exit(0);
