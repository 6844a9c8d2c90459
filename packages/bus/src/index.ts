import { MemoryBus } from './memory.ts';
import { RedisBus, type RedisBusOptions } from './redis.ts';
import type { Bus } from './types.ts';

export * from './events.ts';
export { iterate } from './iterate.ts';
export { MemoryBus } from './memory.ts';
export { RedisBus, type RedisBusOptions } from './redis.ts';
export * from './types.ts';

/** The bus for this configuration: Redis when a URL is given, in-process otherwise. */
export function createBus(redisUrl?: string, options?: RedisBusOptions): Bus {
  return redisUrl ? new RedisBus(redisUrl, options) : new MemoryBus();
}

/** The platform's bus for a loaded configuration (REDIS_URL, REDIS_NAMESPACE). */
export function busFor(config: { REDIS_URL?: string | undefined; REDIS_NAMESPACE: string }): Bus {
  return createBus(config.REDIS_URL, { namespace: config.REDIS_NAMESPACE });
}

/** Pub/sub channel names shared by the engine and its consumers. */
export const channels = {
  trades: (market: string) => `trades:${market}`,
  book: (market: string) => `book:${market}`,
  ticker: (market: string) => `ticker:${market}`,
  candles: (market: string, interval: string) => `candles:${market}:${interval}`,
  orders: (userId: string) => `orders:${userId}`,
  balances: (userId: string) => `balances:${userId}`,
} as const;

/** Command queue of a market's engine. */
export const engineQueue = (market: string) => `engine:${market}`;
