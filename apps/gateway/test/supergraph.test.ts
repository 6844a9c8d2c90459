// The committed supergraph: the gateway starts on it as `npm start` does, and a change to a
// supergraph file is picked up without a restart in development.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../src/main.ts';
import { readSupergraph, watchSupergraph } from '../src/supergraph.ts';
import { composeTest, mdTypeDefs, refTypeDefs, testConfig } from './fixtures.ts';
import { until } from './wsclient.ts';

describe('static supergraph', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('starts on schema/supergraph.graphql with the configured subgraph URLs', async () => {
    // Port 9 (discard) is closed: the subgraphs are "down" even if `npm start` runs here.
    const down = 'http://127.0.0.1:9/graphql';
    const gateway = await startGateway(
      testConfig({ AUTH_URL: down, TRADING_URL: down, MARKET_DATA_URL: down, WALLET_URL: down }),
      { port: 0 },
    );
    stops.push(() => gateway.stop());
    expect(gateway.core.schema.subgraphs.map((s) => s.name).sort()).toEqual([
      'auth',
      'market-data',
      'trading',
      'wallet',
    ]);
    // Subgraphs are not running here: /health is up, /ready is not, queries fail clearly.
    expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
    expect((await fetch(gateway.url.replace('/graphql', '/ready'))).status).toBe(503);
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ assets { code } }' }),
    });
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
  });

  it('hot-reloads a changed supergraph file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowex-supergraph-'));
    const file = join(dir, 'supergraph.graphql');
    const md = composeTest([
      { name: 'md', url: 'http://127.0.0.1:1/graphql', typeDefs: mdTypeDefs },
    ]);
    writeFileSync(file, md);
    const seen: string[] = [];
    const stop = watchSupergraph(file, (sdl) => seen.push(sdl));
    stops.push(async () => stop());
    const both = composeTest([
      { name: 'md', url: 'http://127.0.0.1:1/graphql', typeDefs: mdTypeDefs },
      { name: 'ref', url: 'http://127.0.0.1:2/graphql', typeDefs: refTypeDefs },
    ]);
    writeFileSync(file, both);
    await until(() => seen.length === 1);
    expect(seen[0]).toBe(both);
    expect(readSupergraph(file)).toBe(both);
  });
});
