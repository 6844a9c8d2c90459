// Child processes of the benchmarks. Each prints one JSON line ({"ready": …}) when up and
// exits when its parent closes stdin (or dies).

import type { Socket } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { WebSocketServer } from 'ws';
import { graphql } from '../src/graphql.ts';
import { startGateway } from '../src/main.ts';
import { textFrame } from '../src/subscriptions/server.ts';
import { freePort, runWorkers } from '../src/workers.ts';
import {
  MarketDataState,
  mdTypeDefs,
  refTypeDefs,
  startMarketData,
  startReference,
  testConfig,
} from '../test/fixtures.ts';

const role = process.argv[2];
const arg = process.argv[3] ?? '{}';
const ready = (value: unknown) => process.stdout.write(`${JSON.stringify({ ready: value })}\n`);
if (!process.env.FLOWEX_GATEWAY_WORKER_PORT) {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
} else {
  process.on('disconnect', () => process.exit(0));
}

if (role === 'subgraphs') {
  // Two test subgraphs; with "publish" set, market-data publishes trades (fanout bench).
  const state = new MarketDataState();
  const md = await startMarketData(state);
  const ref = await startReference();
  const { publishPerSecond, publishCount } = JSON.parse(arg) as {
    publishPerSecond?: number;
    publishCount?: number;
  };
  if (publishPerSecond) {
    // "publish <phase> [count]\n" on stdin: count (default publishCount) trades at
    // publishPerSecond, ids "<phase>-<n>".
    process.stdin.on('data', (chunk: Buffer) => {
      const match = /publish (\w+)(?: (\d+))?/.exec(chunk.toString());
      if (!match) return;
      const phase = match[1];
      const count = Number(match[2] ?? publishCount ?? 100);
      let n = 0;
      const timer = setInterval(() => {
        state.publish('BTC-USDT', String(n), {
          id: `${phase}-${n}`,
          publishedAt: performance.timeOrigin + performance.now(),
        });
        if (++n >= count) clearInterval(timer);
      }, 1000 / publishPerSecond);
    });
  }
  const { parse } = graphql;
  const result = composeServices([
    { name: 'md', url: md.url, typeDefs: parse(mdTypeDefs) },
    { name: 'ref', url: ref.url, typeDefs: parse(refTypeDefs) },
  ]);
  if (result.errors) throw new Error(String(result.errors));
  ready({ md: md.url, ref: ref.url, sdl: result.supergraphSdl });
} else if (role === 'floor') {
  // The fan-out floor of this machine (bench:fanout): `ws` does the handshake and the
  // graphql-ws greeting, then each event is one pre-built frame written to every subscribed
  // socket in one loop — no GraphQL, no upstream, no gateway. Same "publish" protocol on stdin.
  const { publishPerSecond, publishCount } = JSON.parse(arg) as {
    publishPerSecond: number;
    publishCount?: number;
  };
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    const socket = (ws as unknown as { _socket: Socket })._socket;
    ws.on('message', (raw) => {
      const text = String(raw);
      if (text.includes('"connection_init"')) ws.send('{"type":"connection_ack"}');
      else if (text.includes('"subscribe"')) sockets.add(socket);
    });
    ws.on('close', () => sockets.delete(socket));
  });
  process.stdin.on('data', (chunk: Buffer) => {
    const match = /publish (\w+)(?: (\d+))?/.exec(chunk.toString());
    if (!match) return;
    const count = Number(match[2] ?? publishCount ?? 100);
    let n = 0;
    const timer = setInterval(() => {
      const at = performance.timeOrigin + performance.now();
      // The shape and size of the gateway's `next` message for the bench's query.
      const frame = textFrame(
        `{"id":"1","type":"next","payload":{"data":{"trades":{"id":"${match[1]}-${n}","price":"65000.5","publishedAt":${at},"market":{"symbol":"BTC-USDT","baseAsset":{"name":"Bitcoin"}}}}}}`,
      );
      for (const socket of sockets) socket.write(frame);
      if (++n >= count) clearInterval(timer);
    }, 1000 / publishPerSecond);
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as { port: number };
  ready({ url: `ws://127.0.0.1:${port}/graphql` });
} else if (role === 'stock') {
  const { sdl } = JSON.parse(arg) as { sdl: string };
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: sdl }) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  ready({ url });
} else if (role === 'ours') {
  const { sdl, limits, workers } = JSON.parse(arg) as {
    sdl: string;
    limits?: Record<string, number>;
    workers?: number;
  };
  const start = (port: number) =>
    startGateway(testConfig({ NODE_ENV: 'production', JWKS_URL: 'http://127.0.0.1:9/jwks' }), {
      supergraphSdl: sdl,
      subgraphUrls: {},
      port,
      limits: { ratePerIp: 1e9, ratePerUser: 1e9, ...limits },
    });
  if ((workers ?? 1) > 1) {
    const port = Number(process.env.FLOWEX_GATEWAY_WORKER_PORT) || (await freePort('127.0.0.1'));
    const ran = await runWorkers(workers!, port, start);
    if (ran === 'primary') ready({ url: `http://127.0.0.1:${port}/graphql` });
  } else {
    ready({ url: (await start(0)).url });
  }
} else {
  throw new Error(`unknown role ${role}`);
}
