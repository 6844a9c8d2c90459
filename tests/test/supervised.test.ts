// With REDIS_URL set, every service is its own supervised process: same answers through
// the gateway, and a crashed service is reported and brought back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../src/platform.ts';
import { requireRedis, TEST_REDIS_URL } from '../src/redis.ts';

describe('supervised processes (REDIS_URL set)', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    await requireRedis();
    platform = await startTestPlatform({ redisUrl: TEST_REDIS_URL });
  }, 90_000);
  afterAll(() => platform?.stop());

  const markets = () =>
    platform.graphql<{ markets: { symbol: string }[] }>('{ markets { symbol } }');

  it('serves the seeded markets through the gateway', async () => {
    expect(platform.mode).toBe('supervised');
    const { data } = await markets();
    expect(data?.markets.map((m) => m.symbol)).toEqual([
      'BTC-USDT',
      'ETH-BTC',
      'ETH-USDT',
      'SOL-USDT',
    ]);
  });

  it('reports a crashed service and restarts it', async () => {
    const supervisor = platform.supervisor!;
    const before = supervisor.pids().trading;
    expect(before).toBeGreaterThan(0);
    process.kill(before!, 'SIGKILL');

    await expect
      .poll(() => supervisor.crashes.map((c) => c.name), { timeout: 5_000 })
      .toContain('trading');
    expect(supervisor.crashes.at(-1)).toMatchObject({ name: 'trading', signal: 'SIGKILL' });
    await expect
      .poll(async () => (await markets()).data?.markets.length, { timeout: 30_000, interval: 250 })
      .toBe(4);
    expect(supervisor.pids().trading).not.toBe(before);
  }, 40_000);
});
