import { randomUUID } from 'node:crypto';
import { BusTimeoutError, engineQueue, MemoryBus } from '@flowex/bus';
import { FEE_ACCOUNT_EMAIL } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amendOrder,
  type CommandReply,
  cancelAllOrders,
  cancelOrder,
  type EngineCommandMessage,
  orderView,
  type RunningEngine,
  type StartEngineOptions,
  startEngine,
  submitOrder,
} from '../../src/index.ts';
import { FeeSchedule } from '../../src/service/fees.ts';
import { applyBatch, FencedError } from '../../src/service/settlement.ts';
import { fromAtoms, toAtoms } from '../../src/service/units.ts';
import {
  balance,
  dailyVolumeViolations,
  fundedUser,
  ledgerViolations,
  seed,
  testConfig,
} from './helpers.ts';

const M = 'BTC-USDT';
const DAY = 86_400_000;

/**
 * A bus for `submitOrder` that keeps each command instead of sending it (the order is
 * recorded, the request times out): the test sends them to the engine when it chooses.
 */
function holdingBus() {
  const held: EngineCommandMessage[] = [];
  const holding = {
    publish: async () => {},
    request: async (queue: string, message: unknown) => {
      held.push(message as EngineCommandMessage);
      throw new BusTimeoutError(queue, 'held', 0);
    },
  } as unknown as MemoryBus;
  return { held, holding };
}

describe('engine service: intake, matching, settlement, recovery (in-process bus)', () => {
  let t: TestDatabase;
  let bus: MemoryBus;
  let engine: RunningEngine;
  let alice: { id: string };
  let bob: { id: string };
  let feeId: string;

  /** An engine on M over this test's database and bus, with options of its own. */
  const start = (options: Partial<StartEngineOptions> = {}) =>
    startEngine(testConfig(), t.db, bus, { markets: [M], databaseUrl: t.url, port: 0, ...options });

  beforeAll(async () => {
    t = await createTestDatabase('engine_service');
    await seed(t.db);
    alice = await fundedUser(t.db, 'alice@example.com', { BTC: '2', USDT: '1000' });
    bob = await fundedUser(t.db, 'bob@example.com', { USDT: '50000' });
    feeId = (await t.db.user.findUniqueOrThrow({ where: { email: FEE_ACCOUNT_EMAIL } })).id;
    bus = new MemoryBus();
    engine = await start();
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
    await bus?.close();
    await t?.drop();
  });

  it('matches two crossing orders and settles trade, fills, fees, balances and holds', async () => {
    const sell = await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      price: '30000',
      quantity: '0.5',
    });
    expect(sell.timedOut).toBe(false);
    expect(sell.reply?.outcome).toBe('placed');
    expect(sell.order.status).toBe('NEW');
    expect(await balance(t.db, alice.id, 'BTC')).toEqual({ available: '1.5', locked: '0.5' });

    // Bob bids higher than the ask: he trades at the maker's price, and the difference of
    // his hold (0.5 × 100 USDT) comes back to him.
    const buy = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '30100',
      quantity: '0.5',
    });
    expect(buy.reply?.outcome).toBe('placed');
    expect(buy.order.status).toBe('FILLED');
    expect(buy.reply?.fills).toEqual([
      expect.objectContaining({
        price: '30000',
        quantity: '0.5',
        quoteQuantity: '15000',
        fee: '0.0005',
        feeAsset: 'BTC',
        liquidity: 'TAKER',
      }),
    ]);

    const trades = await t.db.trade.findMany({ where: { marketSymbol: M } });
    expect(trades).toHaveLength(1);
    expect(trades[0]!.price.toFixed()).toBe('30000');
    expect(trades[0]!.quantity.toFixed()).toBe('0.5');
    expect(trades[0]!.quoteQuantity.toFixed()).toBe('15000');
    expect(trades[0]!.takerSide).toBe('BUY');

    const fills = await t.db.fill.findMany({ orderBy: { id: 'asc' } });
    const byUser = Object.fromEntries(fills.map((f) => [f.userId, f]));
    // Base rates 0.1 %, tier 0 (multiplier 1): the fee is charged in the asset received.
    expect(byUser[alice.id]).toMatchObject({ liquidity: 'MAKER', feeAsset: 'USDT' });
    expect(byUser[alice.id]!.fee.toFixed()).toBe('15');
    expect(byUser[alice.id]!.feeRate.toFixed()).toBe('0.001');
    expect(byUser[bob.id]).toMatchObject({ liquidity: 'TAKER', feeAsset: 'BTC' });
    expect(byUser[bob.id]!.fee.toFixed()).toBe('0.0005');

    expect(await balance(t.db, alice.id, 'BTC')).toEqual({ available: '1.5', locked: '0' });
    expect(await balance(t.db, alice.id, 'USDT')).toEqual({ available: '15985', locked: '0' });
    expect(await balance(t.db, bob.id, 'USDT')).toEqual({ available: '35000', locked: '0' });
    expect(await balance(t.db, bob.id, 'BTC')).toEqual({ available: '0.4995', locked: '0' });
    expect(await balance(t.db, feeId, 'USDT')).toEqual({ available: '15', locked: '0' });
    expect(await balance(t.db, feeId, 'BTC')).toEqual({ available: '0.0005', locked: '0' });

    for (const id of [sell.order.id, buy.order.id]) {
      const o = await orderView(t.db, id);
      expect(o.status).toBe('FILLED');
      expect(o.holdRemaining).toBe('0');
      expect(o.filledQuantity).toBe('0.5');
    }

    const runner = engine.service.runner(M)!;
    const cp = await t.db.engineCheckpoint.findUniqueOrThrow({ where: { marketSymbol: M } });
    expect(Number(cp.lastSeq)).toBe(runner.engine.seq);
    expect(Number(cp.lastSeq)).toBeGreaterThan(0);
    expect(await t.db.engineCommand.count({ where: { processedSeq: null } })).toBe(0);
    const candles = await t.db.candle.findMany({ where: { marketSymbol: M } });
    expect(candles).toHaveLength(6);
    for (const c of candles) {
      expect(c.open.toFixed()).toBe('30000');
      expect(c.volume.toFixed()).toBe('0.5');
      expect(c.quoteVolume.toFixed()).toBe('15000');
      expect(c.tradeCount).toBe(1);
    }
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('re-applying a committed batch changes nothing', async () => {
    const runner = engine.service.runner(M)!;
    const batch = runner.lastBatch!;
    expect(batch.trades).toHaveLength(1);
    const state = async () => ({
      balances: await t.db.balance.findMany({ orderBy: [{ userId: 'asc' }, { assetCode: 'asc' }] }),
      ledger: await t.db.ledgerEntry.count(),
      trades: await t.db.trade.count(),
      fills: await t.db.fill.count(),
      candles: await t.db.candle.findMany({ orderBy: { interval: 'asc' } }),
      tx: await t.db.transaction.count(),
      cp: await t.db.engineCheckpoint.findMany(),
    });
    const before = await state();
    const again = await applyBatch(t.db, batch);
    expect(again.applied).toBe(false);
    expect(await state()).toEqual(before);

    // Only locally refused commands (no events), already processed: a no-op, rolled back.
    const at = runner.committedSeq;
    const refusedAgain = { ...batch, prevSeq: at, lastSeq: at, trades: [], ledger: [] };
    expect((await applyBatch(t.db, { ...refusedAgain, balances: [] })).applied).toBe(false);
    expect(await state()).toEqual(before);

    // Fenced, and nothing written: a gap after the checkpoint, a command already processed,
    // a trade already recorded.
    const gap = { ...batch, prevSeq: at + 5, lastSeq: at + 6 };
    await expect(applyBatch(t.db, gap)).rejects.toThrow(FencedError);
    const next = { ...batch, prevSeq: at, lastSeq: at + 1 };
    await expect(applyBatch(t.db, { ...next, trades: [] })).rejects.toThrow(/already processed/);
    await expect(applyBatch(t.db, { ...next, commandIds: [] })).rejects.toThrow(
      /trades already recorded/,
    );
    expect(await state()).toEqual(before);
  });

  it('publishes after commit: trades, book deltas chained by sequence, orders, balances', async () => {
    const got: Record<string, unknown[]> = { trades: [], book: [], orders: [], balances: [] };
    const offs = [
      await bus.subscribe(`trades:${M}`, (p) => got.trades!.push(p)),
      await bus.subscribe(`book:${M}`, (p) => got.book!.push(p)),
      await bus.subscribe(`orders:${alice.id}`, (p) => got.orders!.push(p)),
      await bus.subscribe(`balances:${alice.id}`, (p) => got.balances!.push(p)),
    ];
    await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      price: '31000',
      quantity: '0.1',
    });
    await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '31000',
      quantity: '0.1',
    });
    await expect.poll(() => got.trades!.length).toBe(1);
    await expect.poll(() => got.book!.length).toBe(2);
    const [b1, b2] = got.book as { prevSeq: number; seq: number }[];
    expect(b2!.prevSeq).toBe(b1!.seq);
    expect(got.trades![0]).toMatchObject({ price: '31000', quantity: '0.1', takerSide: 'BUY' });
    expect(got.orders!.length).toBeGreaterThanOrEqual(2);
    expect(got.balances!.length).toBeGreaterThanOrEqual(1);
    for (const off of offs) await off();
  });

  it('a burst settles in several pipelined batches whose deltas still chain in order', async () => {
    const book: { prevSeq: number; seq: number }[] = [];
    const off = await bus.subscribe(`book:${M}`, (p) => book.push(p as (typeof book)[number]));
    const runner = engine.service.runner(M)!;
    const from = runner.committedSeq;
    const batches = new Set<number>();
    const replies = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const r = await submitOrder(t.db, bus, {
          userId: i % 2 ? bob.id : alice.id,
          marketSymbol: M,
          side: i % 2 ? 'BUY' : 'SELL',
          price: '31000',
          quantity: '0.001',
        });
        if (runner.lastBatch) batches.add(runner.lastBatch.lastSeq);
        return r;
      }),
    );
    expect(replies.every((r) => r.reply?.outcome === 'placed')).toBe(true);
    // Commands that arrived while a batch committed went into later batches ...
    expect(batches.size).toBeGreaterThan(1);
    await expect.poll(() => book.at(-1)?.seq).toBe(runner.committedSeq);
    // ... and every batch's delta was published after its predecessor's: one gap-free chain.
    let seq = from;
    for (const delta of book) {
      expect(delta.prevSeq).toBe(seq);
      seq = delta.seq;
    }
    await off();
  });

  it('processes a command sent the moment the previous answer arrives', async () => {
    // No sweep to pick up a command the loop left behind: only the loop itself answers.
    await engine.stop();
    engine = await start({ sweepMs: 3_600_000 });
    try {
      const carol = await fundedUser(t.db, 'carol@example.com', { USDT: '1000' });
      // Recorded but not sent yet, as if the trading process were slow to send them.
      const { held, holding } = holdingBus();
      for (let i = 0; i < 20; i++) {
        const price = String(20_000 + i);
        await submitOrder(t.db, holding, {
          userId: carol.id,
          marketSymbol: M,
          side: 'BUY',
          price,
          quantity: '0.001',
        });
      }
      // Each command leaves as the previous answer arrives, on the same thread: the answer
      // is given while the loop finishes, and the next command must start it again.
      for (const message of held) {
        const reply = await bus.request<CommandReply>(engineQueue(M), message, {
          timeoutMs: 3000,
        });
        expect(reply.outcome).toBe('placed');
      }
    } finally {
      await engine.stop();
      engine = await start();
    }
  });

  it('spreads a lump of commands over batches sized to the commit target', async () => {
    await engine.stop();
    // A target no commit meets: once one batch has been measured, batches hold the floor, 64.
    // No sweep: it would pick the held commands up from the database on its own, in batches of
    // its choosing, before the test sends them (seen in CI, where recording 400 took > 1 s).
    engine = await start({ sweepMs: 3_600_000, targetCommitMs: 0.001 });
    try {
      const dave = await fundedUser(t.db, 'dave@example.com', { USDT: '1000' });
      const runner = engine.service.runner(M)!;
      const { held, holding } = holdingBus();
      for (let i = 0; i < 400; i++) {
        await submitOrder(t.db, holding, {
          userId: dave.id,
          marketSymbol: M,
          side: 'BUY',
          price: '1000',
          quantity: '0.001',
          timeInForce: 'IOC',
        });
      }
      // Each wave arrives at once, as a committed batch's answers bring their requesters'
      // next commands; the size of the batch that answered each command is noted.
      const release = (wave: EngineCommandMessage[]) =>
        Promise.all(
          wave.map(async (message) => {
            const reply = await bus.request<CommandReply>(engineQueue(M), message, {
              timeoutMs: 10_000,
            });
            expect(reply.outcome).toBe('placed');
            return runner.lastBatch!.commandIds.length;
          }),
        );
      // Nothing measured yet: the first lump settles in a batch of its own size ...
      expect(Math.max(...(await release(held.slice(0, 200))))).toBeGreaterThanOrEqual(64);
      // ... whose commit sets the size of the next ones.
      expect(Math.max(...(await release(held.slice(200))))).toBeLessThanOrEqual(64);
    } finally {
      await engine.stop();
      engine = await start();
    }
  });

  it('cancels a resting order and releases its hold to the cent', async () => {
    const before = await balance(t.db, bob.id, 'USDT');
    const placed = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '12345.67',
      quantity: '0.00043',
    });
    expect(placed.order.status).toBe('NEW');
    expect(placed.order.holdRemaining).toBe('5.3086381');
    const cancelled = await cancelOrder(t.db, bus, { userId: bob.id, orderId: placed.order.id });
    expect(cancelled.reply?.outcome).toBe('cancelled');
    expect(cancelled.order.status).toBe('CANCELED');
    expect(cancelled.order.holdRemaining).toBe('0');
    expect(await balance(t.db, bob.id, 'USDT')).toEqual(before);
    // A closed order is refused at intake; nothing is queued for the engine.
    const queued = await t.db.engineCommand.count();
    await expect(
      cancelOrder(t.db, bus, { userId: bob.id, orderId: placed.order.id }),
    ).rejects.toMatchObject({ code: 'ORDER_CLOSED', status: 'CANCELED' });
    await expect(
      cancelOrder(t.db, bus, { userId: alice.id, orderId: placed.order.id }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_ORDER' });
    expect(await t.db.engineCommand.count()).toBe(queued);
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('cancels all open orders of a user in one command', async () => {
    const before = await balance(t.db, bob.id, 'USDT');
    const a = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '100',
      quantity: '0.1',
    });
    const b = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '101',
      quantity: '0.1',
    });
    const r = await cancelAllOrders(t.db, bus, { userId: bob.id, marketSymbol: M });
    expect(r.reply?.outcome).toBe('cancelled');
    expect(r.reply?.cancelledOrderIds?.sort()).toEqual([a.order.id, b.order.id].sort());
    expect((await orderView(t.db, a.order.id)).status).toBe('CANCELED');
    expect(await balance(t.db, bob.id, 'USDT')).toEqual(before);
  });

  it('refuses an order its funds cannot cover, before the engine sees it', async () => {
    await expect(
      submitOrder(t.db, bus, {
        userId: alice.id,
        marketSymbol: M,
        side: 'SELL',
        price: '30000',
        quantity: '100',
      }),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await expect(
      submitOrder(t.db, bus, {
        userId: alice.id,
        marketSymbol: M,
        side: 'SELL',
        price: '30000.001',
        quantity: '0.1',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ORDER' });
  });

  it('settles a market buy by quantity and returns the unused hold', async () => {
    await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      price: '30500',
      quantity: '0.01',
    });
    const before = await balance(t.db, bob.id, 'USDT');
    // The hold is the caller's: quantity × (best ask 30500 + 5 % band) = 320.25.
    const r = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
      hold: '320.25',
    });
    expect(r.order).toMatchObject({
      status: 'FILLED',
      filledQuoteQuantity: '305',
      holdRemaining: '0',
    });
    const after = await balance(t.db, bob.id, 'USDT');
    expect(toAtoms(before.available) - toAtoms(after.available)).toBe(toAtoms('305'));
    expect(after.locked).toBe('0');
    // nothing left to buy: expires, everything released
    const none = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
      hold: '0',
    });
    expect(none.order).toMatchObject({ status: 'EXPIRED', holdRemaining: '0' });
    expect(await balance(t.db, bob.id, 'USDT')).toEqual(after);
  });

  it('amends orders: holds follow, priority kept only when the order did not grow', async () => {
    const before = await balance(t.db, bob.id, 'USDT');
    const place = (price: string, quantity: string) =>
      submitOrder(t.db, bus, { userId: bob.id, marketSymbol: M, side: 'BUY', price, quantity });
    const a = await place('100', '0.1');
    const b = await place('110', '0.1');
    expect(a.order.holdRemaining).toBe('10');
    // a: to 110 and 0.2 -> needs 22, 12 more held at intake; it joins b's level behind b
    const up = await amendOrder(t.db, bus, {
      userId: bob.id,
      orderId: a.order.id,
      price: '110',
      quantity: '0.2',
    });
    expect(up.reply?.outcome).toBe('amended');
    expect(up.order.holdRemaining).toBe('22');
    const runner = engine.service.runner(M)!;
    const ids = () => runner.engine.levelOrders('BUY', 11_000).map(String);
    expect(ids()).toEqual([b.order.id, a.order.id]);
    // b: smaller, same price -> keeps its place; the freed hold comes back at once
    const down = await amendOrder(t.db, bus, {
      userId: bob.id,
      orderId: b.order.id,
      quantity: '0.05',
    });
    expect(down.order.holdRemaining).toBe('5.5');
    expect(ids()).toEqual([b.order.id, a.order.id]);
    // b grows: to the back
    await amendOrder(t.db, bus, { userId: bob.id, orderId: b.order.id, quantity: '0.06' });
    expect(ids()).toEqual([a.order.id, b.order.id]);
    const row = await t.db.order.findUniqueOrThrow({ where: { id: BigInt(a.order.id) } });
    expect([row.price?.toFixed(), row.quantity?.toFixed()]).toEqual(['110', '0.2']);
    const after = await balance(t.db, bob.id, 'USDT');
    expect(toAtoms(before.available) - toAtoms(after.available)).toBe(toAtoms('28.6'));
    expect(toAtoms(after.locked) - toAtoms(before.locked)).toBe(toAtoms('28.6'));
    await expect(
      amendOrder(t.db, bus, { userId: alice.id, orderId: a.order.id, quantity: '1' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_ORDER' });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('an amend in the same batch as a fill of its order keeps exactly what the rest needs', async () => {
    // Both commands are accepted while the engine is down, so they settle in one batch:
    // the fill first (bob takes 0.02 of alice's 0.05), then alice grows her order to 0.09.
    const sell = await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      price: '31000',
      quantity: '0.05',
    });
    expect(sell.order.status).toBe('NEW');
    await engine.stop();
    const buy = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '31000',
      quantity: '0.02',
      timeoutMs: 50,
    });
    const amend = await amendOrder(t.db, bus, {
      userId: alice.id,
      orderId: sell.order.id,
      quantity: '0.09',
      timeoutMs: 50,
    });
    expect([buy.timedOut, amend.timedOut]).toEqual([true, true]);
    engine = await start();
    await expect
      .poll(() => t.db.engineCommand.count({ where: { processedSeq: null } }), { timeout: 10_000 })
      .toBe(0);
    const row = await t.db.order.findUniqueOrThrow({ where: { id: BigInt(sell.order.id) } });
    // 0.09 - 0.02 filled = 0.07 still to sell, all of it held.
    expect([row.quantity?.toFixed(), row.filledQuantity.toFixed()]).toEqual(['0.09', '0.02']);
    expect(row.holdRemaining.toFixed()).toBe('0.07');
    await cancelOrder(t.db, bus, { userId: alice.id, orderId: sell.order.id });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('rebuilds the same book after a restart, and processes commands accepted meanwhile', async () => {
    const place = (
      userId: string,
      side: 'BUY' | 'SELL',
      price: string,
      quantity: string,
      extra = {},
    ) => submitOrder(t.db, bus, { userId, marketSymbol: M, side, price, quantity, ...extra });
    await place(bob.id, 'BUY', '29000', '0.1');
    await place(bob.id, 'BUY', '29000', '0.2');
    await place(bob.id, 'BUY', '28500', '0.05');
    await place(alice.id, 'SELL', '32000', '0.3', { displayQuantity: '0.1' }); // iceberg
    await place(alice.id, 'SELL', '32000', '0.01');
    await place(alice.id, 'SELL', '33000', '0.2');
    // take 0.15 of the iceberg's first two slices: a refreshed slice goes to the back
    const take = await place(bob.id, 'BUY', '32000', '0.15');
    expect(take.order.status).toBe('FILLED');
    await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      price: '27000',
      stopPrice: '27500',
      quantity: '0.05',
    });

    const runner = engine.service.runner(M)!;
    const before = runner.engine.snapshot();
    const depthBefore = runner.depth();
    await engine.stop();

    // Accepted while no engine runs: durable, answered later, visible through order(id).
    const late = await submitOrder(t.db, bus, {
      userId: bob.id,
      marketSymbol: M,
      side: 'BUY',
      price: '28000',
      quantity: '0.01',
      timeoutMs: 100,
    });
    expect(late.timedOut).toBe(true);
    expect(late.order.status).toBe('ACCEPTED');

    engine = await start();
    const rebuilt = engine.service.runner(M)!;
    await expect.poll(async () => (await orderView(t.db, late.order.id)).status).toBe('NEW');
    // The rebuilt book is the one before the stop, plus the late order.
    const after = rebuilt.engine.snapshot();
    const lateRec = after.bids.find((r) => r[0] === Number(late.order.id));
    expect(lateRec).toBeDefined();
    expect({ ...after, seq: 0, bids: after.bids.filter((r) => r !== lateRec) }).toEqual({
      ...before,
      seq: 0,
    });
    expect(rebuilt.depth().asks).toEqual(depthBefore.asks);
    // Sequence continues from the checkpoint: ACCEPTED + BOOK_LEVEL of the late order.
    expect(after.seq).toBe(before.seq + 2);
    const cp = await t.db.engineCheckpoint.findUniqueOrThrow({ where: { marketSymbol: M } });
    expect(Number(cp.lastSeq)).toBe(after.seq);
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('serves /health, /ready and Prometheus /metrics', async () => {
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
    const ready = await fetch(`${engine.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      markets: [{ market: M, owned: true, ready: true }],
    });
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metrics).toMatch(/flowex_engine_committed_seq\{market="BTC-USDT"\} [1-9]/);
    expect(metrics).toMatch(/flowex_engine_trades_total/);
    expect(metrics).toMatch(/flowex_engine_settlement_seconds_count/);
    // Read when scraped: the queue is empty between commands.
    expect(metrics).toMatch(/flowex_engine_queue_depth\{market="BTC-USDT"\} 0/);
    expect(metrics).toMatch(
      /flowex_engine_commands_total\{market="BTC-USDT",outcome="placed"\} [1-9]/,
    );
    // Every command ran on the core, every batch was waited for.
    const count = (name: string) =>
      Number(new RegExp(`${name}_count\\{market="BTC-USDT"\\} (\\d+)`).exec(metrics)?.[1]);
    const commands = [...metrics.matchAll(/flowex_engine_commands_total\{[^}]*\} (\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    expect(count('flowex_engine_match_seconds')).toBe(commands);
    expect(count('flowex_engine_settlement_lag_seconds')).toBe(
      count('flowex_engine_settlement_seconds'),
    );
    // The book as the engine holds it, per side.
    const { bids, asks } = engine.service.runner(M)!.depth();
    const gauge = (name: string, side: string) =>
      Number(new RegExp(`${name}\\{market="BTC-USDT",side="${side}"\\} (\\S+)`).exec(metrics)?.[1]);
    const sum = (levels: [string, string][]) =>
      levels.reduce((total, [, quantity]) => total + Number(quantity), 0);
    expect(bids.length + asks.length).toBeGreaterThan(0);
    expect(gauge('flowex_engine_book_levels', 'BUY')).toBe(bids.length);
    expect(gauge('flowex_engine_book_levels', 'SELL')).toBe(asks.length);
    expect(gauge('flowex_engine_book_quantity', 'BUY')).toBeCloseTo(sum(bids), 9);
    expect(gauge('flowex_engine_book_quantity', 'SELL')).toBeCloseTo(sum(asks), 9);
    const core = engine.service.runner(M)!.engine;
    const orders = (side: 'BUY' | 'SELL') =>
      core.depth(side).reduce((total, level) => total + level.orderCount, 0);
    expect(gauge('flowex_engine_book_orders', 'BUY')).toBe(orders('BUY'));
    expect(gauge('flowex_engine_book_orders', 'SELL')).toBe(orders('SELL'));
  });

  it('charges the maker/taker rates of the user volume tier', async () => {
    // Bob's 30-day volume so far is small: tier 0. A large (fake) day moves him to tier 1.
    const fees = new FeeSchedule(t.db);
    await fees.load();
    await fees.ensure([bob.id]);
    const base = toAtoms('0.001');
    expect(fromAtoms(fees.rates(bob.id, base, base).maker)).toBe('0.001');
    // Rates cached for 20 ms, loaded now: tier 0 as well.
    const aging = new FeeSchedule(t.db, 20);
    await aging.load();
    await aging.ensure([bob.id]);
    // Settlement has kept Bob's daily volumes: exactly his fills' (checked here), small.
    expect(await dailyVolumeViolations(t.db)).toEqual([]);
    const earlier = {
      userId: bob.id,
      quoteAssetCode: 'USDT',
      day: new Date(Date.now() - 10 * DAY),
    };
    await t.db.userDailyVolume.create({ data: { ...earlier, quoteVolume: '2000000' } });
    // Volume older than 30 days does not count.
    const old = { userId: alice.id, quoteAssetCode: 'USDT', day: new Date(Date.now() - 30 * DAY) };
    await t.db.userDailyVolume.create({ data: { ...old, quoteVolume: '2000000' } });
    const fresh = new FeeSchedule(t.db);
    await fresh.load();
    await fresh.ensure([bob.id]);
    expect(fromAtoms(fresh.rates(bob.id, base, base).maker)).toBe('0.0009');
    expect(fromAtoms(fresh.rates(bob.id, base, base).taker)).toBe('0.001');
    // Once stale, Bob's old rates are still used at once (nothing to wait for) while the
    // new tier loads in the background; a user never seen must be loaded first.
    await new Promise((r) => setTimeout(r, 30));
    expect(aging.known([bob.id])).toBe(true);
    expect(fromAtoms(aging.rates(bob.id, base, base).maker)).toBe('0.001');
    await expect.poll(() => fromAtoms(aging.rates(bob.id, base, base).maker)).toBe('0.0009');
    expect(aging.known([alice.id])).toBe(false);
    await fresh.ensure([alice.id]);
    expect(fromAtoms(fresh.rates(alice.id, base, base).maker)).toBe('0.001');
    await t.db.userDailyVolume.deleteMany({ where: { quoteVolume: '2000000' } });
  });

  it('keeps the rates of at most so many users, forgetting those refreshed longest ago', async () => {
    const fees = new FeeSchedule(t.db, 60_000, 2);
    await fees.load();
    const carol = randomUUID(); // no fills: tier 0
    await fees.ensure([alice.id]);
    await fees.ensure([bob.id]);
    await fees.ensure([carol]);
    expect(fees.size).toBe(2);
    expect(fees.known([bob.id, carol])).toBe(true);
    expect(fees.known([alice.id])).toBe(false);
    // Loaded again, Alice is the newest; Bob, refreshed longest ago, goes.
    await fees.ensure([alice.id]);
    expect(fees.known([carol, alice.id])).toBe(true);
    expect(fees.known([bob.id])).toBe(false);
  });

  it('lets a standby take over when the owner goes away', async () => {
    const standby = await start({ lockPollMs: 200 });
    expect(standby.service.status()[0]).toMatchObject({ owned: false });
    const seq = engine.service.runner(M)!.committedSeq;
    const stopped = Date.now();
    await engine.stop();
    await expect
      .poll(() => standby.service.status()[0]!.ready, { timeout: 5000, interval: 50 })
      .toBe(true);
    expect(Date.now() - stopped).toBeLessThan(5000);
    expect(standby.service.runner(M)!.committedSeq).toBe(seq);
    engine = standby;
    const r = await submitOrder(t.db, bus, {
      userId: alice.id,
      marketSymbol: M,
      side: 'SELL',
      price: '40000',
      quantity: '0.01',
    });
    expect(r.reply?.outcome).toBe('placed');
  });
});
