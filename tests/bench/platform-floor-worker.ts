// One process of bench:platform's floor (./platform-floor.ts): the least an order's path can do
// through the processes the platform's design requires, with no GraphQL, no checks and no
// domain code. Run as `node --import tsx platform-floor-worker.ts <role>`:
//   edge     stands for the gateway: takes the client's HTTP request, parses it, forwards it
//            over a keep-alive connection to `orders`, parses the answer and sends it back;
//            relays the matcher's events from Redis to the clients' WebSockets.
//   orders   stands for the trading subgraph: records each new order durably before it goes
//            on (group commit, one transaction at a time: the PostgreSQL floor's intake
//            function), appends the commands to a Redis stream, and answers each request
//            when the matcher's answer arrives.
//   matcher  stands for the engine: reads the stream, answers at once, settles what it read
//            (the PostgreSQL floor's settlement function, one transaction at a time) and then
//            publishes the events.
// Configuration comes from FLOOR_* variables (set by ./platform-floor.ts).
import http from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool } from 'undici';
import { type WebSocket, WebSocketServer } from 'ws';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const redisUrl = env('FLOOR_REDIS_URL');
const prefix = env('FLOOR_PREFIX');
const stream = `${prefix}:commands`;
const answersChannel = `${prefix}:answers`;
const eventsChannel = `${prefix}:events`;

/** A command on the stream: order id, user, P(lace) or C(ancel). */
type Command = [id: string, user: string, kind: 'P' | 'C'];
/** Answers published by the matcher: order id and status. */
type Answer = [id: string, status: string];
/** Events after settlement: each order's owner, order and status; each trade and its time. */
interface Events {
  orders: [user: string, id: string, status: string][];
  trades: [id: string, executedAt: number][];
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: http.Server, port: number) {
  server.listen(port, '127.0.0.1', () => process.send?.('ready'));
}

async function edge() {
  const upstream = new Pool(`http://127.0.0.1:${env('FLOOR_ORDERS_PORT')}`, { connections: 128 });
  const server = http.createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      JSON.parse(body.toString()); // a gateway reads the request to route it
      const answer = await upstream.request({
        path: '/',
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      const text = await answer.body.text();
      JSON.parse(text); // and reads the subgraph's answer to build its own
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  const byUser = new Map<string, Set<WebSocket>>();
  const tradeSockets = new Set<WebSocket>();
  new WebSocketServer({ server }).on('connection', (socket, req) => {
    const user = new URL(req.url ?? '/', 'http://edge').searchParams.get('user');
    const set = user ? (byUser.get(user) ?? new Set()) : tradeSockets;
    if (user) byUser.set(user, set);
    set.add(socket);
    socket.on('close', () => set.delete(socket));
  });
  const events = new Redis(redisUrl);
  await events.subscribe(eventsChannel);
  events.on('message', (_channel: string, message: string) => {
    const { orders, trades } = JSON.parse(message) as Events;
    for (const [user, id, status] of orders) {
      const frame = JSON.stringify({
        type: 'next',
        id: 'o',
        payload: { data: { myOrders: { id, status } } },
      });
      for (const socket of byUser.get(user) ?? []) socket.send(frame);
    }
    for (const [id, executedAt] of trades) {
      const frame = JSON.stringify({
        type: 'next',
        id: 't',
        payload: { data: { trades: { id, executedAt: new Date(executedAt).toISOString() } } },
      });
      for (const socket of tradeSockets) socket.send(frame);
    }
  });
  listen(server, Number(env('FLOOR_EDGE_PORT')));
}

async function orders() {
  const db = new pg.Pool({ connectionString: env('FLOOR_DATABASE_URL'), max: 2 });
  const redis = new Redis(redisUrl);
  const answers = new Redis(redisUrl);
  const waiting = new Map<string, (status: string) => void>();
  await answers.subscribe(answersChannel);
  answers.on('message', (_channel: string, message: string) => {
    for (const [id, status] of JSON.parse(message) as Answer[]) {
      waiting.get(id)?.(status);
      waiting.delete(id);
    }
  });
  const answerOf = (id: string) =>
    new Promise<string>((resolve) => waiting.set(id, resolve)).then((status) => ({ id, status }));

  // Orders recorded together while the previous group commits; one group in flight, so
  // order ids reach the stream in ascending order (the floor's settlement takes id ranges).
  let nextId = BigInt(env('FLOOR_FIRST_ORDER_ID'));
  let places: { user: string; resolve: (id: string) => void; reject: (e: unknown) => void }[] = [];
  let cancels: Command[] = [];
  let recording = false;
  const flush = async () => {
    if (cancels.length > 0) {
      void redis.xadd(stream, '*', 'c', JSON.stringify(cancels));
      cancels = [];
    }
    if (recording || places.length === 0) return;
    recording = true;
    const group = places;
    places = [];
    const base = nextId;
    nextId += BigInt(group.length);
    try {
      await db.query('SELECT bench_floor_intake($1, $2)', [base.toString(), group.length]);
      const commands: Command[] = group.map((p, i) => [(base + BigInt(i)).toString(), p.user, 'P']);
      void redis.xadd(stream, '*', 'c', JSON.stringify(commands));
      for (const [i, p] of group.entries()) p.resolve(commands[i]![0]);
    } catch (error) {
      for (const p of group) p.reject(error);
    }
    recording = false;
    if (places.length > 0) void flush();
  };
  let flushScheduled = false;
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      void flush();
    });
  };

  const server = http.createServer(async (req, res) => {
    try {
      const request = JSON.parse((await readBody(req)).toString()) as {
        user: string;
        variables: { id?: string };
      };
      let data: object;
      if (request.variables.id) {
        const id = request.variables.id;
        const answer = answerOf(id);
        cancels.push([id, request.user, 'C']);
        scheduleFlush();
        data = { cancelOrder: await answer };
      } else {
        const id = await new Promise<string>((resolve, reject) => {
          places.push({ user: request.user, resolve, reject });
          scheduleFlush();
        });
        data = { placeOrder: await answerOf(id) };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  listen(server, Number(env('FLOOR_ORDERS_PORT')));
}

async function matcher() {
  const reader = new Redis(redisUrl);
  const publisher = new Redis(redisUrl);
  const db = new pg.Client({ connectionString: env('FLOOR_DATABASE_URL') });
  await db.connect();
  const tradesPerOrder = Number(env('FLOOR_TRADES_PER_ORDER'));
  const ledgerRowsPerOrder = Number(env('FLOOR_LEDGER_ROWS_PER_ORDER'));

  // What was matched and not yet settled; settled one transaction at a time, eagerly.
  let unsettled: { command: Command; status: string; executedAt: number }[] = [];
  let settling = false;
  let tradeCount = 0;
  const settle = async () => {
    if (settling || unsettled.length === 0) return;
    settling = true;
    const batch = unsettled;
    unsettled = [];
    const placed = batch.filter((b) => b.command[2] === 'P').map((b) => BigInt(b.command[0]));
    if (placed.length > 0) {
      // Ascending: `orders` records one group at a time and appends it once committed.
      const first = placed[0]!;
      const n = Number(placed.at(-1)! - first) + 1;
      const trades = batch.filter((b) => b.status === 'FILLED').length;
      await db.query('SELECT bench_floor_settle($1, $2, $3, $4)', [
        first.toString(),
        n,
        trades,
        Math.round(placed.length * ledgerRowsPerOrder),
      ]);
    }
    const events: Events = { orders: [], trades: [] };
    for (const b of batch) {
      events.orders.push([b.command[1], b.command[0], b.status]);
      if (b.status === 'FILLED') events.trades.push([String(tradeCount++), b.executedAt]);
    }
    await publisher.publish(eventsChannel, JSON.stringify(events));
    settling = false;
    void settle();
  };

  // A place fills (one trade) for the share of orders that traded in the platform's own run;
  // the rest rest on the book. What matching costs is the engine bench's business: ≈ 1 µs.
  let placeCount = 0;
  const fills = () => {
    placeCount++;
    return Math.floor(placeCount * tradesPerOrder) > Math.floor((placeCount - 1) * tradesPerOrder);
  };
  let lastId = '0';
  process.send?.('ready');
  for (;;) {
    const read = (await reader.xread('COUNT', 1000, 'BLOCK', 0, 'STREAMS', stream, lastId)) as
      | [string, [string, string[]][]][]
      | null;
    if (!read) continue;
    const answers: Answer[] = [];
    const now = Date.now();
    for (const [id, fields] of read[0]![1]) {
      lastId = id;
      for (const command of JSON.parse(fields[1]!) as Command[]) {
        const status = command[2] === 'C' ? 'CANCELED' : fills() ? 'FILLED' : 'NEW';
        answers.push([command[0], status]);
        unsettled.push({ command, status, executedAt: now });
      }
    }
    void publisher.publish(answersChannel, JSON.stringify(answers));
    void settle();
  }
}

const roles: Record<string, () => Promise<void>> = { edge, orders, matcher };
const role = roles[process.argv[2] ?? ''];
if (!role) throw new Error(`role: one of ${Object.keys(roles).join(', ')}`);
await role();
