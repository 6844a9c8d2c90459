// Federated subscriptions through the gateway: cross-subgraph fields on every event, shared
// upstreams, release on disconnect, upstream drops, auth on connection_init, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from './fixtures.ts';
import { connect, openSocket, until } from './wsclient.ts';

const TRADES = `subscription T($m: String!) { trades(market: $m) {
  id price market { symbol baseAsset { name } ticker { lastPrice } } } }`;

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({
    env: { GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', GATEWAY_MAX_SOCKETS_PER_IP: '20' },
  });
});
afterAll(() => p?.stop());

describe('subscriptions', () => {
  it('delivers each event with fields from other subgraphs', async () => {
    const s = await connect(p.wsUrl);
    s.subscribe('1', TRADES, { m: 'BTC-USDT' });
    await until(() => p.state.activeSubscriptions === 1);
    p.state.publish('ETH-USDT', '1'); // other market: filtered upstream
    p.state.publish('BTC-USDT', '42000');
    p.state.publish('BTC-USDT', '42001');
    const first = await s.wait((m) => m.type === 'next' && m.id === '1');
    expect(first.payload).toEqual({
      data: {
        trades: {
          id: expect.any(String),
          price: '42000',
          market: {
            symbol: 'BTC-USDT',
            baseAsset: { name: 'Bitcoin' },
            ticker: { lastPrice: '42000.5' },
          },
        },
      },
    });
    await s.wait((m) => m.type === 'next' && m.payload.data.trades.price === '42001');
    s.close();
    await until(() => p.state.activeSubscriptions === 0);
  });

  it('shares one upstream between identical subscriptions and releases it on disconnect', async () => {
    const before = p.state.subscribeCalls;
    const a = await connect(p.wsUrl);
    const b = await connect(p.wsUrl);
    a.subscribe('x', TRADES, { m: 'BTC-USDT' });
    b.subscribe('y', TRADES, { m: 'BTC-USDT' });
    // A different selection asks the subgraph for different fields: its own upstream.
    b.subscribe('z', 'subscription { trades(market: "BTC-USDT") { price } }');
    await until(
      () => p.state.activeSubscriptions === 2 && p.gateway.subscriptions.sharedExecutions === 2,
    );
    expect(p.state.subscribeCalls - before).toBe(2);
    expect(p.gateway.upstream.size).toBe(2);
    p.state.publish('BTC-USDT', '7');
    await a.wait((m) => m.id === 'x' && m.type === 'next');
    await b.wait((m) => m.id === 'y' && m.type === 'next');
    const z = await b.wait((m) => m.id === 'z' && m.type === 'next');
    expect(z.payload).toEqual({ data: { trades: { price: '7' } } });
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(p.state.activeSubscriptions).toBe(2);
    b.complete('y');
    b.complete('z');
    await until(() => p.state.activeSubscriptions === 0);
    expect(p.gateway.upstream.size).toBe(0);
    b.close();
  });

  it('runs queries over the socket', async () => {
    const s = await connect(p.wsUrl);
    s.subscribe('q', '{ market(symbol: "ETH-USDT") { baseAsset { name } } }');
    const next = await s.wait((m) => m.id === 'q' && m.type === 'next');
    expect(next.payload).toEqual({ data: { market: { baseAsset: { name: 'Ether' } } } });
    await s.wait((m) => m.id === 'q' && m.type === 'complete');
    s.close();
  });

  it('answers an invalid subscription with an error message', async () => {
    const s = await connect(p.wsUrl);
    s.subscribe('bad', 'subscription { nope }');
    const error = await s.wait((m) => m.id === 'bad' && m.type === 'error');
    expect(error.payload[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    s.close();
  });
});

describe('subscription auth', () => {
  it('allows public subscriptions without a token and forwards nothing upstream', async () => {
    const s = await connect(p.wsUrl);
    s.subscribe('1', 'subscription { trades(market: "A-B") { seenAuthorization } }');
    await until(() => p.state.activeSubscriptions === 1);
    expect(p.state.lastWsAuthorization).toBeUndefined();
    s.close();
    await until(() => p.state.activeSubscriptions === 0);
  });

  it('forwards a verified token as the upstream connection_init payload', async () => {
    const token = `Bearer ${await p.keys.sign()}`;
    const s = await connect(p.wsUrl, { authorization: token });
    s.subscribe('1', 'subscription { trades(market: "A-B") { price seenAuthorization } }');
    await until(() => p.state.activeSubscriptions === 1);
    expect(p.state.lastWsAuthorization).toBe(token);
    p.state.publish('A-B', '1');
    const next = await s.wait((m) => m.type === 'next');
    expect(next.payload.data.trades.seenAuthorization).toBe(token);
    s.close();
    await until(() => p.state.activeSubscriptions === 0);
  });

  it('a private subscription: refused by the subgraph without a token, served with one', async () => {
    const anonymous = await connect(p.wsUrl);
    anonymous.subscribe('1', 'subscription { myBalances { asset available } }');
    const refused = await anonymous.wait(
      (m) => m.id === '1' && (m.type === 'next' || m.type === 'error'),
    );
    const errors = refused.type === 'error' ? refused.payload : refused.payload.errors;
    expect(errors[0].extensions.code).toBe('UNAUTHENTICATED');
    anonymous.close();
    const token = `Bearer ${await p.keys.sign()}`;
    const signedIn = await connect(p.wsUrl, { authorization: token });
    signedIn.subscribe('1', 'subscription { myBalances { asset available owner } }');
    const next = await signedIn.wait((m) => m.id === '1' && m.type === 'next');
    expect(next.payload).toEqual({
      data: { myBalances: { asset: 'BTC', available: '1.5', owner: token } },
    });
    await signedIn.wait((m) => m.id === '1' && m.type === 'complete');
    signedIn.close();
  });

  it('never shares an upstream between different callers', async () => {
    const before = p.state.subscribeCalls;
    const alice = await connect(p.wsUrl, {
      authorization: `Bearer ${await p.keys.sign({ sub: 'alice' })}`,
    });
    const bob = await connect(p.wsUrl, {
      authorization: `Bearer ${await p.keys.sign({ sub: 'bob' })}`,
    });
    alice.subscribe('1', 'subscription { trades(market: "ISO") { seenAuthorization } }');
    bob.subscribe('1', 'subscription { trades(market: "ISO") { seenAuthorization } }');
    await until(() => p.state.activeSubscriptions === 2);
    expect(p.state.subscribeCalls - before).toBe(2);
    p.state.publish('ISO', '1');
    const a = await alice.wait((m) => m.type === 'next');
    const b = await bob.wait((m) => m.type === 'next');
    expect(a.payload.data.trades.seenAuthorization).not.toBe(
      b.payload.data.trades.seenAuthorization,
    );
    alice.close();
    bob.close();
    await until(() => p.state.activeSubscriptions === 0);
  });

  it('closes the connection on a bad or expired token (4403)', async () => {
    for (const token of [
      'Bearer nonsense',
      `Bearer ${await p.keys.forge()}`,
      `Bearer ${await p.keys.sign({ expiresInSeconds: -5 })}`,
    ]) {
      const s = await openSocket(p.wsUrl);
      s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: token } }));
      expect((await s.closed).code).toBe(4403);
      expect(s.messages).toEqual([]);
    }
  });

  it('refuses subscribe before connection_init (4401)', async () => {
    const s = await openSocket(p.wsUrl);
    s.subscribe('1', TRADES, { m: 'X' });
    expect((await s.closed).code).toBe(4401);
  });

  it('closes subscriptions when the token expires', async () => {
    const token = `Bearer ${await p.keys.sign({ expiresInSeconds: 2 })}`;
    const s = await connect(p.wsUrl, { authorization: token });
    s.subscribe('1', 'subscription { trades(market: "EXP") { price } }');
    await until(() => p.state.activeSubscriptions === 1);
    const error = await s.wait((m) => m.type === 'error', 4000);
    expect(error.payload[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await s.closed).code).toBe(4403);
    await until(() => p.state.activeSubscriptions === 0);
  });
});

describe('subscription limits', () => {
  it('limits subscriptions per connection', async () => {
    const s = await connect(p.wsUrl);
    for (const id of ['1', '2', '3', '4'])
      s.subscribe(id, 'subscription { trades(market: "L") { price } }');
    const error = await s.wait((m) => m.type === 'error');
    expect(error.id).toBe('4');
    expect(error.payload[0].extensions.code).toBe('RATE_LIMITED');
    s.close();
    await until(() => p.state.activeSubscriptions === 0);
  });

  it('limits WebSocket connections per IP', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => openSocket(p.wsUrl)));
    await expect(openSocket(p.wsUrl)).rejects.toThrow(/429/);
    for (const s of sockets) s.close();
    await Promise.all(sockets.map((s) => s.closed));
    await until(() => {
      try {
        return true;
      } catch {
        return false;
      }
    });
  });
});

describe('upstream failure', () => {
  it('ends the client subscription with an error when the subgraph drops', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const s = await connect(p.wsUrl);
    s.subscribe('1', TRADES, { m: 'DROP' });
    await until(() => p.state.activeSubscriptions === 1);
    await p.md.stop();
    const error = await s.wait((m) => m.id === '1' && m.type === 'error');
    expect(error.payload[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.payload[0].message).toMatch(/ended unexpectedly/);
    await p.md.restart();
    // A new subscription works again once the subgraph is back.
    p.state.activeSubscriptions = 0;
    s.subscribe('2', TRADES, { m: 'DROP' });
    await until(() => p.state.activeSubscriptions === 1);
    p.state.publish('DROP', '5');
    const next = await s.wait((m) => m.id === '2' && m.type === 'next');
    expect(next.payload.data.trades.price).toBe('5');
    s.close();
  });
});
