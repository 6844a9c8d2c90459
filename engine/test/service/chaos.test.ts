// Real processes: engines as child processes over Redis and PostgreSQL, killed with
// SIGKILL at random instants while orders keep coming. Nothing acknowledged may be lost,
// nothing applied twice, and the ledger must balance to the last atom.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RedisBus } from '@flowex/bus';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { amendOrder, cancelOrder, IntakeError, submitOrder } from '../../src/index.ts';
import { toAtoms } from '../../src/service/units.ts';
import {
  dailyVolumeViolations,
  dropRedisKeys,
  fundedUser,
  ledgerViolations,
  seed,
} from './helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const M = 'BTC-USDT';
const CHILD = fileURLToPath(new URL('./fixtures/engine-child.ts', import.meta.url));

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
}

describe('engine processes under SIGKILL (Redis mode)', () => {
  let t: TestDatabase;
  let bus: RedisBus;
  let prefix: string;
  const children = new Set<ChildProcess>();

  const spawnEngine = (): Child => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        REDIS_URL,
        ENGINE_MARKET: M,
        TEST_STREAM_PREFIX: prefix,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    const url = new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.on('exit', (code) => reject(new Error(`engine exited (${code}) before ready`)));
    });
    url.catch(() => {});
    return { proc, url };
  };

  const kill9 = (c: Child) =>
    new Promise<void>((resolve) => {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
      c.proc.once('exit', () => resolve());
      c.proc.kill('SIGKILL');
    });

  const readiness = async (c: Child) => {
    const res = await fetch(`${await c.url}/ready`);
    return (await res.json()) as { markets: { owned: boolean; ready: boolean }[] };
  };

  // Each test (and each retry) gets its own database, stream prefix and bus.
  beforeEach(async () => {
    t = await createTestDatabase('engine_chaos');
    await seed(t.db);
    prefix = `flowex:test:${randomUUID()}:`;
    bus = new RedisBus(REDIS_URL, { streamPrefix: prefix, blockMs: 200 });
  }, 60_000);

  afterEach(async () => {
    for (const p of children) p.kill('SIGKILL');
    await bus?.close();
    await t?.drop();
    if (prefix) await dropRedisKeys(REDIS_URL, prefix);
  });

  it('loses no acknowledged order, applies no trade twice, keeps the ledger balanced', {
    timeout: 60_000,
  }, async () => {
    const users = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        fundedUser(t.db, `chaos${i}@example.com`, { BTC: '20', USDT: '1000000' }),
      ),
    );
    let engine = spawnEngine();
    await engine.url;

    let running = true;
    const acknowledged: string[] = [];
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const worker = async (w: number) => {
      const user = users[w]!;
      const mine: string[] = [];
      while (running) {
        try {
          if (mine.length > 3 && rnd(5) === 0) {
            const id = mine.splice(rnd(mine.length), 1)[0]!;
            await cancelOrder(t.db, bus, { userId: user.id, orderId: id, timeoutMs: 300 });
            continue;
          }
          if (mine.length > 3 && rnd(6) === 0) {
            await amendOrder(t.db, bus, {
              userId: user.id,
              orderId: mine[rnd(mine.length)]!,
              quantity: `0.0${1 + rnd(9)}`,
              ...(rnd(2) === 0 ? { price: String(29_950 + rnd(11) * 10) } : {}),
              timeoutMs: 300,
            });
            continue;
          }
          const side = rnd(2) === 0 ? 'BUY' : 'SELL';
          const r = await submitOrder(t.db, bus, {
            userId: user.id,
            marketSymbol: M,
            side,
            price: String(29_950 + rnd(11) * 10),
            quantity: `0.0${1 + rnd(9)}`,
            ...(rnd(4) === 0 ? { timeInForce: 'IOC' as const } : {}),
            selfTradePrevention: 'NONE',
            timeoutMs: 300,
          });
          acknowledged.push(r.order.id);
          mine.push(r.order.id);
        } catch (error) {
          if (!(error instanceof IntakeError)) throw error;
        }
      }
    };
    const workers = users.map((_, i) => worker(i));

    // Kill the engine at random instants, restart it each time.
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 400 + rnd(800)));
      await kill9(engine);
      engine = spawnEngine();
      await engine.url;
    }
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await Promise.all(workers);

    await expect
      .poll(() => t.db.engineCommand.count({ where: { processedSeq: null } }), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(0);
    await kill9(engine);

    expect(acknowledged.length).toBeGreaterThan(50);
    const orders = await t.db.order.findMany();
    // Fills carry no foreign keys (settlement writes them with their trade): check here that
    // each one belongs to a recorded trade and order, and group them by order and by trade.
    const fills = await t.db.fill.findMany();
    const fillsOf = (key: 'orderId' | 'tradeId', id: bigint) => fills.filter((f) => f[key] === id);
    expect(orders.filter((o) => o.status === 'ACCEPTED')).toEqual([]);
    // Orders carry no foreign key to their user either (intake takes their hold from the
    // user's balance in the same transaction): each belongs to one of the traders.
    const traders = new Set(users.map((u) => u.id));
    expect(orders.filter((o) => !traders.has(o.userId))).toEqual([]);
    const ids = new Set(orders.map((o) => String(o.id)));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    for (const o of orders) {
      const filled = fillsOf('orderId', o.id).reduce((s, f) => s + toAtoms(f.quantity), 0n);
      expect(toAtoms(o.filledQuantity)).toBe(filled);
      const remaining = toAtoms(o.quantity!) - filled;
      if (['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'].includes(o.status)) {
        expect(toAtoms(o.holdRemaining)).toBe(0n);
      } else if (o.side === 'BUY') {
        expect(toAtoms(o.holdRemaining)).toBe((toAtoms(o.price!) * remaining) / 10n ** 18n);
      } else {
        expect(toAtoms(o.holdRemaining)).toBe(remaining);
      }
    }
    const trades = await t.db.trade.findMany();
    expect(trades.length).toBeGreaterThan(0);
    for (const tr of trades) expect(fillsOf('tradeId', tr.id)).toHaveLength(2);
    expect(fills).toHaveLength(2 * trades.length);
    expect(fills.filter((f) => !ids.has(String(f.orderId)))).toEqual([]);
    const candles = await t.db.candle.findMany({ where: { interval: 'ONE_DAY' } });
    expect(candles.reduce((s, c) => s + c.tradeCount, 0)).toBe(trades.length);
    const cp = await t.db.engineCheckpoint.findUniqueOrThrow({ where: { marketSymbol: M } });
    const seqs = trades.map((tr) => tr.engineSeq);
    expect(new Set(seqs).size).toBe(trades.length);
    expect(seqs.every((s) => s <= cp.lastSeq)).toBe(true);
    expect(await ledgerViolations(t.db)).toEqual([]);
    // Every fill counted once in its user's daily volume (fee tiers), across the kills.
    expect(await dailyVolumeViolations(t.db)).toEqual([]);
  });

  it('a standby process takes over within 5 s of the owner being killed', async () => {
    const a = spawnEngine();
    await a.url;
    const b = spawnEngine();
    await b.url;
    const [ra, rb] = await Promise.all([readiness(a), readiness(b)]);
    const owner = ra.markets[0]!.owned ? a : b;
    const standby = owner === a ? b : a;
    expect([ra.markets[0]!.owned, rb.markets[0]!.owned].sort()).toEqual([false, true]);
    const killedAt = Date.now();
    await kill9(owner);
    await expect
      .poll(async () => (await readiness(standby)).markets[0]!.ready, {
        timeout: 5000,
        interval: 100,
      })
      .toBe(true);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(5000);
    const user = await fundedUser(t.db, 'failover@example.com', { BTC: '1' });
    const r = await submitOrder(t.db, bus, {
      userId: user.id,
      marketSymbol: M,
      side: 'SELL',
      price: '50000',
      quantity: '0.01',
      timeoutMs: 3000,
    });
    expect(r.reply?.outcome).toBe('placed');
    await kill9(standby);
  }, 30_000);
});
