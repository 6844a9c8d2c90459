// Every hardening limit provoked, plus production behaviour and the circuit breaker.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, type Platform, startPlatform } from './fixtures.ts';

describe('limits (development)', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({
      gateway: {
        limits: { ratePerIp: 1000, ratePerUser: 3, rateWindowSeconds: 60, maxBodyBytes: 8192 },
      },
    });
  });
  afterAll(() => p?.stop());

  it('refuses an alias bomb', async () => {
    const aliases = Array.from(
      { length: 40 },
      (_, i) => `a${i}: market(symbol: "x") { symbol }`,
    ).join(' ');
    const res = await gql(p.url, { query: `{ ${aliases} }` });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/alias/i);
  });

  it('refuses too many tokens and too many directives', async () => {
    const tokens = await gql(p.url, { query: `{ market(symbol: "x") { ${'s '.repeat(2100)} } }` });
    expect(tokens.status).toBe(400);
    const directives = await gql(p.url, {
      query: `{ market(symbol: "x") { symbol ${'@skip(if: false) '.repeat(60)} } }`,
    });
    expect(directives.status).toBe(400);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await gql(p.url, { query: `{ market(symbol: "${'x'.repeat(9000)}") { symbol } }` });
    expect(res.status).toBe(413);
  });

  it('refuses batches and CSRF-able requests', async () => {
    const batch = await gql(p.url, [{ query: '{ boom }' }, { query: '{ boom }' }]);
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0].message).toMatch(/Batched/);
    const csrf = await fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ boom }' }),
    });
    expect(csrf.status).toBe(400);
    expect(await csrf.text()).toMatch(/CSRF/);
    const get = await fetch(`${p.url}?query=${encodeURIComponent('{ boom }')}`);
    expect(get.status).toBe(400);
  });

  it('rate-limits per user with RATE_LIMITED', async () => {
    const token = await p.keys.sign({ sub: 'rate-user' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await gql(
        p.url,
        { query: '{ market(symbol: "x") { symbol } }' },
        { authorization: `Bearer ${token}` },
      );
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.errors[0].extensions.code).toBe('RATE_LIMITED');
        expect(res.headers.get('retry-after')).toBeTruthy();
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Another user is unaffected.
    const other = await p.keys.sign({ sub: 'other-user' });
    expect(
      (
        await gql(
          p.url,
          { query: '{ market(symbol: "x") { symbol } }' },
          { authorization: `Bearer ${other}` },
        )
      ).status,
    ).toBe(200);
  });

  it('keeps internal error messages in development', async () => {
    const res = await gql(p.url, { query: '{ boom }' });
    expect(res.body.errors[0].message).toBe('secret database detail');
  });
});

describe('depth limit', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ env: { GATEWAY_MAX_DEPTH: '3' } }); // configured as an operator would
  });
  afterAll(() => p?.stop());

  it('refuses a query deeper than maxDepth', async () => {
    const ok = await gql(p.url, { query: '{ market(symbol: "x") { baseAsset { name } } }' });
    expect(ok.status).toBe(200);
    const res = await gql(p.url, {
      query: '{ recentTrades(market: "x") { market { baseAsset { name } } } }',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/depth/i);
  });
});

describe('rate limits in Redis', () => {
  let p: Platform;
  const prefix = `t${Date.now()}`;
  beforeAll(async () => {
    p = await startPlatform({
      env: { REDIS_URL: 'redis://127.0.0.1:6379' },
      gateway: { limits: { ratePerIp: 4, rateWindowSeconds: 30 } },
    });
  });
  afterAll(async () => {
    await p?.stop();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys('flowex:gw:rl:ip*');
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers RATE_LIMITED per IP, counted in Redis; /ready checks Redis', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await gql(p.url, { query: `{ market(symbol: "${prefix}") { symbol } }` })).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys('flowex:gw:rl:ip*');
    redis.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    const ready = (await (await fetch(p.url.replace('/graphql', '/ready'))).json()) as {
      checks: Record<string, boolean>;
    };
    expect(ready.checks.redis).toBe(true);
  });
});

describe('rate limits in Redis, per user', () => {
  let p: Platform;
  const ns = `gw-test-${Date.now()}`;
  const user = 'rate-user';
  beforeAll(async () => {
    p = await startPlatform({
      env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_NAMESPACE: ns },
      gateway: { limits: { ratePerIp: 6, ratePerUser: 3, rateWindowSeconds: 30 } },
    });
  });
  afterAll(async () => {
    await p?.stop();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  // From the second request on the token is known: IP and user are counted in one call.
  it('counts a known token per user and per IP in Redis, the IP refusing first', async () => {
    const token = await p.keys.sign({ sub: user });
    const ask = async (authorization?: string) => {
      const res = await gql(
        p.url,
        { query: '{ market(symbol: "x") { symbol } }' },
        authorization ? { authorization } : {},
      );
      if (res.status === 429) expect(res.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      return res.status;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await ask(`Bearer ${token}`));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const redis = new Redis('redis://127.0.0.1:6379');
    expect(await redis.get(`${ns}:gw:rl:user:${user}`)).toBe('5');
    // The IP has spent 5 of its 6: one more anonymous request, then the IP refuses — and
    // a refused IP no longer counts against the user.
    expect(await ask()).toBe(200);
    expect(await ask(`Bearer ${token}`)).toBe(429);
    expect(await redis.get(`${ns}:gw:rl:user:${user}`)).toBe('5');
    redis.disconnect();
  });
});

describe('production', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => p?.stop());

  it('masks internal errors', async () => {
    const res = await gql(p.url, { query: '{ boom }' });
    expect(res.body.errors[0]).toEqual({
      message: 'Internal server error',
      path: ['boom'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('turns off introspection, the landing page and field suggestions', async () => {
    const intro = await gql(p.url, { query: '{ __schema { types { name } } }' });
    expect(intro.status).toBe(400);
    const typename = await gql(p.url, { query: '{ __typename }' });
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
    const page = await fetch(p.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    const typo = await gql(p.url, { query: '{ recentTrade(market: "x") { id } }' });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].message).not.toMatch(/Did you mean/);
  });

  it('sets APOLLO_TELEMETRY_DISABLED', () => {
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
  });
});

describe('subgraph failures', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({
      gateway: {
        limits: { subgraphTimeoutMs: 300, breakerFailureThreshold: 2, breakerResetMs: 300 },
      },
    });
  });
  afterAll(() => p?.stop());

  it('times out a slow subgraph call', async () => {
    const res = await gql(p.url, { query: '{ slow(ms: 1000) }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ slow: null });
    expect(res.body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(res.body.errors[0].message).toMatch(/timeout/);
  });

  it('fails fast while a subgraph is down and recovers when it returns', async () => {
    const q = {
      query: '{ recentTrades(market: "BTC-USDT") { id market { baseAsset { name } } } }',
    };
    expect((await gql(p.url, q)).body.errors).toBeUndefined();
    await p.md.stop();
    const first = await gql(p.url, q);
    expect(first.body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(first.body.errors[0].message).toMatch(/Subgraph "md" is unavailable/);
    await gql(p.url, q);
    const started = performance.now();
    const open = await gql(p.url, q);
    expect(open.body.errors[0].message).toMatch(/circuit open/);
    expect(performance.now() - started).toBeLessThan(100);
    const ready = await fetch(p.url.replace('/graphql', '/ready'));
    expect(ready.status).toBe(503);
    await p.md.restart();
    await new Promise((r) => setTimeout(r, 350));
    p.md.received.length = 0;
    const back = await gql(p.url, q);
    expect(back.body.errors).toBeUndefined();
    expect(back.body.data.recentTrades[0].market.baseAsset.name).toBe('Bitcoin');
    // The restarted subgraph had lost the operation its hash names: sent again in full.
    expect(p.md.received).toEqual([
      { query: false, hash: true },
      { query: true, hash: true },
    ]);
  });
});
