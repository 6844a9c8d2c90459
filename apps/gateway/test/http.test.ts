// Queries and mutations across subgraphs, identity on HTTP, health/ready/metrics, sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, type Platform, startPlatform } from './fixtures.ts';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p?.stop());

describe('queries and mutations', () => {
  it('joins fields from two subgraphs (entity fetch)', async () => {
    const res = await gql(p.url, {
      query: `query Recent($m: String!) { recentTrades(market: $m, limit: 2) {
        id price market { symbol ticker { lastPrice } baseAsset { code name } } } }`,
      variables: { m: 'BTC-USDT' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        recentTrades: [0, 1].map((i) => ({
          id: `t${i}`,
          price: `${100 + i}`,
          market: {
            symbol: 'BTC-USDT',
            ticker: { lastPrice: '42000.5' },
            baseAsset: { code: 'BTC', name: 'Bitcoin' },
          },
        })),
      },
    });
  });

  it('keeps aliases, __typename and fragments', async () => {
    const res = await gql(p.url, {
      query: `{ m: market(symbol: "ETH-USDT") { __typename ...F base: baseAsset { name } } }
        fragment F on Market { symbol ticker { lastPrice } }`,
    });
    expect(res.body).toEqual({
      data: {
        m: {
          __typename: 'Market',
          symbol: 'ETH-USDT',
          ticker: { lastPrice: '42000.5' },
          base: { name: 'Ether' },
        },
      },
    });
  });

  it('sends an operation to a subgraph in full once, then by its hash alone', async () => {
    const q = { query: '{ apq: recentTrades(market: "BTC-USDT", limit: 1) { id } }' };
    p.md.received.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await gql(p.url, q)).body).toEqual({ data: { apq: [{ id: 't0' }] } });
    }
    expect(p.md.received).toEqual([
      { query: true, hash: true },
      { query: false, hash: true },
      { query: false, hash: true },
    ]);
  });

  it('runs mutations', async () => {
    const res = await gql(p.url, { query: 'mutation { ping(n: 41) }' });
    expect(res.body).toEqual({ data: { ping: 42 } });
  });

  it('answers variable errors with 400 BAD_USER_INPUT', async () => {
    const res = await gql(p.url, {
      query: 'query ($m: String!) { recentTrades(market: $m) { id } }',
      variables: {},
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers validation errors with 400', async () => {
    const res = await gql(p.url, { query: '{ recentTrade(market: "x") { id } }' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors[0].message).toMatch(/Did you mean/); // development keeps hints
  });

  it('supports GET for queries with a preflight header, never for mutations', async () => {
    const q = encodeURIComponent('{ market(symbol: "BTC-USDT") { symbol } }');
    const ok = await fetch(`${p.url}?query=${q}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(await ok.json()).toEqual({ data: { market: { symbol: 'BTC-USDT' } } });
    const m = encodeURIComponent('mutation { ping(n: 1) }');
    const no = await fetch(`${p.url}?query=${m}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(no.status).toBe(405);
  });

  it('refuses subscriptions over HTTP', async () => {
    const res = await gql(p.url, { query: 'subscription { trades(market: "X") { id } }' });
    expect(res.status).toBe(400);
  });
});

describe('identity', () => {
  it('forwards a verified token and strips identity headers a client sets', async () => {
    const token = await p.keys.sign();
    const res = await gql(
      p.url,
      { query: '{ echoHeaders market(symbol: "BTC-USDT") { baseAsset { name } } }' },
      {
        authorization: `Bearer ${token}`,
        'x-user-id': 'admin',
        'x-user-roles': 'ADMIN',
        'x-forwarded-user': 'admin',
      },
    );
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body.data.echoHeaders);
    expect(seen.authorization).toBe(`Bearer ${token}`);
    expect(seen['x-user-id']).toBeUndefined();
    expect(seen['x-user-roles']).toBeUndefined();
    expect(seen['x-forwarded-user']).toBeUndefined();
  });

  it('does not forward anything without a token', async () => {
    const res = await gql(p.url, { query: '{ echoHeaders }' }, { 'x-user-id': 'admin' });
    const seen = JSON.parse(res.body.data.echoHeaders);
    expect(seen.authorization).toBeUndefined();
    expect(seen['x-user-id']).toBeUndefined();
  });

  it('rejects forged, expired and malformed tokens with 401 UNAUTHENTICATED', async () => {
    for (const authorization of [
      `Bearer ${await p.keys.forge()}`,
      `Bearer ${await p.keys.sign({ expiresInSeconds: -10 })}`,
      'Basic abc',
    ]) {
      const res = await gql(p.url, { query: '{ echoHeaders }' }, { authorization });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('operational routes', () => {
  it('/health is always up; /ready checks the subgraphs', async () => {
    expect((await fetch(p.url.replace('/graphql', '/health'))).status).toBe(200);
    const ready = await fetch(p.url.replace('/graphql', '/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { md: true, ref: true } });
  });

  it('/metrics exposes requests, latency, errors, subgraph latency, sockets, subscriptions', async () => {
    await gql(p.url, {
      query: 'query Named { market(symbol: "BTC-USDT") { symbol baseAsset { name } } }',
    });
    const text = await (await fetch(p.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/flowex_gateway_requests_total\{operation="Named",type="query"\} 1/);
    expect(text).toMatch(
      /flowex_gateway_request_duration_seconds_bucket\{le="[^"]+",operation="Named"/,
    );
    expect(text).toMatch(/flowex_gateway_request_errors_total/);
    expect(text).toMatch(
      /flowex_gateway_subgraph_fetch_duration_seconds_count\{subgraph="ref",outcome="ok"\}/,
    );
    expect(text).toMatch(/flowex_gateway_open_websockets/);
    expect(text).toMatch(/flowex_gateway_active_subscriptions/);
  });

  it('/metrics with METRICS_TOKEN set: 401 without the token, the figures with it', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startPlatform({ env: { METRICS_TOKEN: token } });
    try {
      const at = guarded.url.replace('/graphql', '/metrics');
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', token]) {
        const res = await fetch(at, authorization ? { headers: { authorization } } : {});
        expect(res.status).toBe(401);
      }
      const res = await fetch(at, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/flowex_gateway_open_websockets/);
    } finally {
      await guarded.stop();
    }
  });

  it('serves Apollo Sandbox in development', async () => {
    const res = await fetch(p.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/embeddable-sandbox/);
  });
});
