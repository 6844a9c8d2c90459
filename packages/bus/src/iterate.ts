// A pub/sub channel as an async iterator, the shape GraphQL subscription resolvers return.
// Subscribes eagerly (no event between "subscribe" and the first next() is lost) and
// unsubscribes when the consumer returns (client gone) or throws.
import type { Bus, Unsubscribe } from './types.ts';

/** Events buffered for a consumer that is not keeping up before it is cut off. */
const MAX_BUFFER = 10_000;

export async function iterate<T = unknown>(
  bus: Bus,
  channels: string | string[],
  map: (payload: unknown, channel: string) => T | undefined = (p) => p as T,
): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  let wake: ((result: IteratorResult<T>) => void) | null = null;
  let failure: Error | null = null;
  let done = false;
  const unsubscribes: Unsubscribe[] = [];
  const push = (value: T) => {
    if (done) return;
    if (wake) {
      const w = wake;
      wake = null;
      w({ value, done: false });
    } else if (queue.length >= MAX_BUFFER) {
      failure = new Error('subscriber too slow: events dropped');
      void finish();
    } else {
      queue.push(value);
    }
  };
  for (const channel of Array.isArray(channels) ? channels : [channels]) {
    unsubscribes.push(
      await bus.subscribe(channel, (payload) => {
        const value = map(payload, channel);
        if (value !== undefined) push(value);
      }),
    );
  }
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      await Promise.all(unsubscribes.map((u) => u()));
    }
    wake?.({ value: undefined, done: true });
    wake = null;
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift() as T, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
    return: finish,
    throw: async (error?: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
