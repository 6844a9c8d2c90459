// The market-data subgraph subscribes with graphql-redis-subscriptions' RedisPubSub: our
// events must be exactly what it publishes and parses (JSON on the trigger's channel).
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, RedisBus } from '../src/index.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('compatibility with graphql-redis-subscriptions', () => {
  let bus: RedisBus;
  let pubsub: RedisPubSub;

  beforeAll(() => {
    bus = new RedisBus(REDIS_URL);
    pubsub = new RedisPubSub({ publisher: new Redis(REDIS_URL), subscriber: new Redis(REDIS_URL) });
  });

  afterAll(async () => {
    await pubsub.close();
    await bus.close();
  });

  it('RedisPubSub receives what the bus publishes, and the other way round', async () => {
    const channel = channels.trades(`TEST-${Date.now()}`);
    const got: unknown[] = [];
    const id = await pubsub.subscribe(channel, (payload: unknown) => got.push(payload));
    const trade = { marketSymbol: 'BTC-USDT', price: '30000.5', quantity: '0.001', seq: 7 };
    await bus.publish(channel, trade);
    await expect.poll(() => got).toEqual([trade]);
    pubsub.unsubscribe(id);

    const back: unknown[] = [];
    const off = await bus.subscribe(channel, (p) => back.push(p));
    await pubsub.publish(channel, trade);
    await expect.poll(() => back).toEqual([trade]);
    await off();
  });
});
