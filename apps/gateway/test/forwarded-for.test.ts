// Subgraphs see the real client address (X-Forwarded-For set by the gateway), so per-IP
// rules behind the gateway (login limits) apply per client, not to everyone at once.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { loadConfig } from '@flowex/config';
import type { RunningService } from '@flowex/server';
import { parse } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway } from '../src/main.ts';

let seen: IncomingMessage['headers'][] = [];
let upstream: ReturnType<typeof createServer>;
let gateway: RunningService;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { hello: 'world' } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/graphql`;
  const composed = composeServices([
    {
      name: 'trading',
      url,
      typeDefs: parse(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String }',
      ),
    },
  ]);
  if (composed.errors) throw composed.errors[0];
  const config = loadConfig({ GATEWAY_PORT: '0', LOG_LEVEL: 'silent', TRADING_URL: url });
  gateway = await startGateway(config, {
    supergraphSdl: composed.supergraphSdl,
    subgraphUrls: { trading: url },
  });
});

afterAll(async () => {
  await gateway?.stop();
  upstream?.close();
});

it('sends the client address upstream and drops spoofed forwarding headers', async () => {
  seen = [];
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.9',
      'x-user-id': 'admin',
    },
    body: JSON.stringify({ query: '{ hello }' }),
  });
  expect(await res.json()).toEqual({ data: { hello: 'world' } });
  expect(seen).toHaveLength(1);
  expect(seen[0]?.['x-forwarded-for']).toBe('127.0.0.1');
  expect(seen[0]?.['x-user-id']).toBeUndefined();
});
