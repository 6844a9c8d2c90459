import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, BusRemoteError, BusTimeoutError, MemoryBus, RedisBus } from '../src/index.ts';
import { dropRedisKeys } from '../src/testing.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable() {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL}: start it with \`docker compose -f infra/docker-compose.yml up -d\` or set TEST_REDIS_URL.`,
      { cause: error },
    );
  } finally {
    probe.disconnect();
  }
}

const nextTick = () => new Promise((r) => setTimeout(r, 20));

function suite(name: string, make: () => Promise<{ client: Bus; server: Bus }>) {
  describe(name, () => {
    let client: Bus;
    let server: Bus;
    beforeAll(async () => {
      ({ client, server } = await make());
    });
    afterAll(async () => {
      await client.close();
      if (server !== client) await server.close();
    });

    it('publishes JSON payloads to subscribers, and stops after unsubscribe', async () => {
      const channel = `test:${randomUUID()}`;
      const got: unknown[] = [];
      const off = await server.subscribe(channel, (p) => got.push(p));
      await client.publish(channel, { a: '1.50', n: 2, list: [1, 2] });
      await expect.poll(() => got.length).toBe(1);
      expect(got[0]).toEqual({ a: '1.50', n: 2, list: [1, 2] });
      await off();
      await client.publish(channel, { a: 'late' });
      await nextTick();
      expect(got).toHaveLength(1);
    });

    it('publishes several events at once, each to its channel, in the given order', async () => {
      const [a, b] = [`test:${randomUUID()}`, `test:${randomUUID()}`];
      const got: [string, unknown][] = [];
      const offs = await Promise.all(
        [a, b].map((channel) => server.subscribe(channel, (p) => got.push([channel, p]))),
      );
      await client.publishAll([]);
      await client.publishAll([[a, { n: 0 }]]);
      await client.publishAll([
        [a, { n: 1 }],
        [b, { n: 2, price: '30000.10' }],
        [a, { n: 3 }],
      ]);
      await expect.poll(() => got.length).toBe(4);
      expect(got).toEqual([
        [a, { n: 0 }],
        [a, { n: 1 }],
        [b, { n: 2, price: '30000.10' }],
        [a, { n: 3 }],
      ]);
      await Promise.all(offs.map((off) => off()));
    });

    it('answers requests by correlation id, in queue order, with trace context', async () => {
      const queue = `q-${randomUUID()}`;
      const seen: { n: number; traceparent?: string }[] = [];
      const stop = await server.serve<{ n: number }, { doubled: number }>(
        queue,
        async (p, meta) => {
          seen.push({ n: p.n, traceparent: meta.traceparent });
          await new Promise((r) => setTimeout(r, (5 - p.n) * 5)); // finish out of order
          return { doubled: p.n * 2 };
        },
      );
      const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const answers = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          client.request<{ doubled: number }>(queue, { n }, { timeoutMs: 3000, traceparent: tp }),
        ),
      );
      expect(answers.map((a) => a.doubled)).toEqual([2, 4, 6, 8]);
      expect(seen.map((s) => s.n)).toEqual([1, 2, 3, 4]);
      expect(seen.every((s) => s.traceparent === tp)).toBe(true);
      await stop();
    });

    it('rejects with BusTimeoutError when nobody answers in time', async () => {
      const queue = `q-${randomUUID()}`;
      const stop = await server.serve(queue, () => new Promise(() => {}));
      await expect(client.request(queue, { x: 1 }, { timeoutMs: 100 })).rejects.toBeInstanceOf(
        BusTimeoutError,
      );
      await stop();
    });

    it('rejects to its caller alone a request whose time ran out before the send returned', async () => {
      const waiting = client.request(`q-${randomUUID()}`, {}, { timeoutMs: 1 });
      await Promise.resolve(); // the request is now waiting for its send to return
      const until = performance.now() + 30;
      while (performance.now() < until); // its timeout is then due before the send's answer
      await expect(waiting).rejects.toBeInstanceOf(BusTimeoutError);
    });

    it('rejects the requests still waiting when the bus closes', async () => {
      const own = await make();
      const waiting = own.client.request(`q-${randomUUID()}`, {}, { timeoutMs: 3000 });
      const refused = expect(waiting).rejects.toThrow('bus closed');
      await nextTick();
      await own.client.close();
      await refused;
      if (own.server !== own.client) await own.server.close();
    });

    it('turns a handler error into BusRemoteError', async () => {
      const queue = `q-${randomUUID()}`;
      const stop = await server.serve(queue, () => {
        throw new Error('boom');
      });
      const failure = client.request(queue, {}, { timeoutMs: 3000 });
      await expect(failure).rejects.toBeInstanceOf(BusRemoteError);
      await expect(failure).rejects.toThrow('boom');
      await stop();
    });
  });
}

suite('MemoryBus', async () => {
  const bus = new MemoryBus();
  return { client: bus, server: bus };
});

// Streams of this run live under their own prefix, deleted at the end.
const PREFIX = `flowex:test:${randomUUID()}:`;
const redisBus = () => new RedisBus(REDIS_URL, { blockMs: 200, streamPrefix: PREFIX });

afterAll(async () => {
  // Redis unreachable: the suites already failed and said why.
  await dropRedisKeys(REDIS_URL, PREFIX).catch(() => {});
});

suite('RedisBus (two instances, as two processes would)', async () => {
  await redisReachable();
  return { client: redisBus(), server: redisBus() };
});

describe('MemoryBus queueing', () => {
  it('keeps commands sent before a consumer serves the queue', async () => {
    const bus = new MemoryBus();
    const answer = bus.request<number>('late', { v: 7 }, { timeoutMs: 1000 });
    await bus.serve<{ v: number }, number>('late', (p) => p.v + 1);
    await expect(answer).resolves.toBe(8);
    await bus.close();
  });
});

describe('RedisBus streams', () => {
  it('acknowledges every answered command (entries answered together, in one XACK)', async () => {
    await redisReachable();
    const queue = `q-${randomUUID()}`;
    const a = redisBus();
    const b = redisBus();
    const stop = await b.serve<{ n: number }, number>(queue, (p) => p.n);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) => a.request<number>(queue, { n }, { timeoutMs: 3000 })),
    );
    expect(answers).toEqual(Array.from({ length: 50 }, (_, n) => n));
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await nextTick(); // the last acknowledgements leave on the turn after their answers
      const [pending] = (await redis.xpending(`${PREFIX}${queue}`, 'engine')) as [number];
      expect(pending).toBe(0);
    } finally {
      redis.disconnect();
    }
    await stop();
    await a.close();
    await b.close();
  });

  it('answers the commands of one turn in one message per requester, each to its own request', async () => {
    await redisReachable();
    const queue = `q-${randomUUID()}`;
    const a = redisBus();
    const b = redisBus();
    const watcher = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const messages: string[] = [];
    watcher.on('pmessage', (_p: string, _c: string, m: string) => messages.push(m));
    await watcher.psubscribe(`flowex:reply:${a.instanceId}`);
    // The handler answers all 40 at once, as the engine answers a settled batch.
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let seen = 0;
    const stop = await b.serve<{ n: number }, number>(queue, async (p) => {
      if (++seen === 40) open();
      await gate;
      if (p.n === 7) throw new Error('seven refused');
      return p.n * 3;
    });
    const answers = Array.from({ length: 40 }, (_, n) =>
      a.request<number>(queue, { n }, { timeoutMs: 3000 }).catch((e: Error) => e.message),
    );
    expect(await Promise.all(answers)).toEqual(
      Array.from({ length: 40 }, (_, n) => (n === 7 ? 'seven refused' : n * 3)),
    );
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!)).toHaveLength(40);
    watcher.disconnect();
    await stop();
    await a.close();
    await b.close();
  });

  it('keeps a command durable in the stream while the consumer is down', async () => {
    await redisReachable();
    const queue = `q-${randomUUID()}`;
    const a = redisBus();
    const b = redisBus();
    const stop = await b.serve(queue, () => 'first');
    await stop(); // group exists, consumer gone
    const answer = a.request<string>(queue, {}, { timeoutMs: 3000 });
    await nextTick();
    const stop2 = await b.serve(queue, () => 'second');
    await expect(answer).resolves.toBe('second');
    await stop2();
    await a.close();
    await b.close();
  });
});

describe('RedisBus subscriptions', () => {
  it('refuses with "bus closed" a request whose bus closes while it subscribes for replies', async () => {
    await redisReachable();
    const bus = redisBus();
    const connection = (bus as unknown as { subscriber: Redis }).subscriber;
    const waiting = bus.request(`q-${randomUUID()}`, {}, { timeoutMs: 3000 });
    const refused = expect(waiting).rejects.toThrow('bus closed');
    await new Promise<void>((resolve) => connection.once('ready', () => resolve()));
    await bus.close(); // its SUBSCRIBE has just left
    await refused;
  });

  it('keeps a subscription made while its connection is still starting (redis/ioredis#2037)', async () => {
    await redisReachable();
    const publisher = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      // The race needs the SUBSCRIBE to meet ioredis's connection handshake: made from the
      // connection's 'connect' event, it did in about half the rounds before the fix.
      for (let round = 0; round < 10; round++) {
        const bus = redisBus();
        const channel = `test:${randomUUID()}`;
        const received: unknown[] = [];
        const connection = (bus as unknown as { subscriber: Redis }).subscriber;
        await new Promise<void>((resolve, reject) =>
          connection.once('connect', () => {
            bus.subscribe(channel, (p) => received.push(p)).then(() => resolve(), reject);
          }),
        );
        await nextTick();
        expect(await publisher.publish(channel, JSON.stringify({ round }))).toBe(1);
        await nextTick();
        expect(received).toEqual([{ round }]);
        await bus.close();
      }
    } finally {
      publisher.disconnect();
    }
  });
});
