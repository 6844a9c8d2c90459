import { describe, expect, it } from 'vitest';
import { RefreshingCache } from '../src/refreshing-cache.ts';

/** A load whose calls are counted and whose answers the test releases one by one. */
function controlledLoad() {
  const calls: {
    key: string;
    resolve: (v: string | undefined) => void;
    reject: (e: Error) => void;
  }[] = [];
  const load = (key: string) =>
    new Promise<string | undefined>((resolve, reject) => calls.push({ key, resolve, reject }));
  return { calls, load };
}

const settle = () => new Promise((r) => setImmediate(r));

/** A cache on a clock the test sets, holding 'v1' for 'k' read at time 0 (one load so far). */
async function primed() {
  const { calls, load } = controlledLoad();
  const clock = { now: 0 };
  const cache = new RefreshingCache(load, 1000, () => clock.now);
  const first = cache.get('k');
  calls[0]!.resolve('v1');
  await first;
  return { calls, cache, clock };
}

describe('RefreshingCache', () => {
  it('shares one read among the callers of a key not yet cached', async () => {
    const { calls, load } = controlledLoad();
    const cache = new RefreshingCache(load, 1000, () => 0);
    const gets = Array.from({ length: 50 }, () => cache.get('BTC-USDT'));
    expect(calls).toHaveLength(1);
    calls[0]!.resolve('v1');
    expect(await Promise.all(gets)).toEqual(Array(50).fill('v1'));
    expect(await cache.get('BTC-USDT')).toBe('v1');
    expect(calls).toHaveLength(1);
  });

  it('serves an expired value while one read replaces it', async () => {
    const { calls, cache, clock } = await primed();
    clock.now = 999;
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(1);

    clock.now = 1000;
    const during = await Promise.all(Array.from({ length: 20 }, () => cache.get('k')));
    expect(during).toEqual(Array(20).fill('v1'));
    expect(calls).toHaveLength(2);
    calls[1]!.resolve('v2');
    await settle();
    expect(await cache.get('k')).toBe('v2');
    expect(calls).toHaveLength(2);
  });

  it('keeps the expired value when its refresh fails, and tries again on the next get', async () => {
    const { calls, cache, clock } = await primed();
    clock.now = 5000;
    expect(await cache.get('k')).toBe('v1');
    calls[1]!.reject(new Error('database down'));
    await settle();
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(3);
    calls[2]!.resolve('v2');
    await settle();
    expect(await cache.get('k')).toBe('v2');
  });

  it('caches nothing for a key that does not exist', async () => {
    const { calls, load } = controlledLoad();
    const cache = new RefreshingCache(load, 1000, () => 0);
    const miss = cache.get('NOPE');
    calls[0]!.resolve(undefined);
    expect(await miss).toBeUndefined();
    expect(cache.size).toBe(0);
    const again = cache.get('NOPE');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(undefined);
    await again;
  });

  it('fresh() reads now, joining a read in flight, and forget() drops the value', async () => {
    const { calls, load } = controlledLoad();
    const cache = new RefreshingCache(load, 1000, () => 0);
    const a = cache.fresh('k');
    const b = cache.get('k');
    expect(calls).toHaveLength(1);
    calls[0]!.resolve('v1');
    expect([await a, await b]).toEqual(['v1', 'v1']);
    const c = cache.fresh('k');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve('v2');
    expect(await c).toBe('v2');
    cache.forget('k');
    expect(cache.size).toBe(0);
  });
});
