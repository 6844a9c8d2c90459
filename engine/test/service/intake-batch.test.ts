// Group-committed intake: orders (and cancels) submitted together are recorded by one
// statement, and each gets exactly the answer it would get alone. No engine runs here (answers time out at
// once): what is checked is what intake recorded.
import { MemoryBus } from '@flowex/bus';
import { createDb } from '@flowex/db';
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelOrder, IntakeError, type SubmitOrderInput, submitOrder } from '../../src/index.ts';
import { balance, fundedUser, ledgerViolations, seed } from './helpers.ts';

const M = 'BTC-USDT';

describe('intake: orders submitted together share one statement', () => {
  let t: TestDatabase;
  let bus: MemoryBus;
  let n = 0;

  beforeAll(async () => {
    t = await createTestDatabase('engine_intake_batch');
    await seed(t.db);
    bus = new MemoryBus();
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
    await t?.drop();
  });

  const trader = (funds: Record<string, string>) =>
    fundedUser(t.db, `batch-${++n}@example.com`, funds);
  const buy = (userId: string, price: string, extra: Partial<SubmitOrderInput> = {}) =>
    submitOrder(t.db, bus, {
      userId,
      marketSymbol: M,
      side: 'BUY',
      price,
      quantity: '1',
      timeoutMs: 20,
      ...extra,
    });
  /** Submit in one turn; each outcome is the order's id or its refusal code. */
  const together = (orders: (() => ReturnType<typeof buy>)[]) =>
    Promise.all(
      orders.map((o) =>
        o().then(
          (r) => r.order.id,
          (e: unknown) => (e instanceof IntakeError ? e.code : String(e)),
        ),
      ),
    );

  it('records each order, hold, journal and command as alone, in one transaction', async () => {
    const users = await Promise.all([1, 2, 3, 4].map(() => trader({ USDT: '1000' })));
    const published: { userId: string; available: string; locked: string }[] = [];
    const stops = await Promise.all(
      users.map((u) =>
        bus.subscribe(`balances:${u.id}`, (p) => published.push(p as (typeof published)[0])),
      ),
    );
    const outcomes = await together(
      Array.from({ length: 20 }, (_, i) => () => buy(users[i % 4]!.id, String(10 + i))),
    );
    expect(outcomes.every((o) => /^\d+$/.test(o))).toBe(true);
    const orders = await t.db.order.findMany({
      where: { id: { in: outcomes.map(BigInt) } },
      orderBy: { id: 'asc' },
    });
    expect(orders).toHaveLength(20);
    // One statement: one transaction time for all of them.
    expect(new Set(orders.map((o) => o.createdAt.getTime())).size).toBe(1);
    for (const [k, u] of users.entries()) {
      const held = [0, 1, 2, 3, 4].reduce((s, j) => s + 10 + k + 4 * j, 0);
      expect(await balance(t.db, u.id, 'USDT')).toEqual({
        available: String(1000 - held),
        locked: String(held),
      });
      // Each order's answer carries its user's balance after the whole statement.
      const seen = published.filter((p) => p.userId === u.id);
      expect(seen).toHaveLength(5);
      for (const p of seen)
        expect(p).toMatchObject({ available: String(1000 - held), locked: String(held) });
    }
    for (const stop of stops) await stop();
    const commands = await t.db.engineCommand.findMany({
      where: { orderId: { in: orders.map((o) => o.id) } },
    });
    expect(commands).toHaveLength(20);
    for (const c of commands) {
      const o = orders.find((x) => x.id === c.orderId)!;
      expect(c.payload).toMatchObject({
        kind: 'PLACE',
        orderId: String(o.id),
        userId: o.userId,
        price: o.price!.toFixed(),
        hold: o.holdRemaining.toFixed(),
        createdAt: o.createdAt.toISOString(),
      });
    }
    const holds = await t.db.ledgerEntry.count({
      where: { type: 'HOLD', reference: { in: orders.map((o) => `order:${o.id}`) } },
    });
    expect(holds).toBe(40);
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('refuses exactly what a one-by-one intake would refuse for funds', async () => {
    const u = await trader({ USDT: '100' });
    // 50 fits; 60 then does not (50 left); 10 still does — though 50 + 60 + 10 > 100.
    const outcomes = await together([
      () => buy(u.id, '50'),
      () => buy(u.id, '60'),
      () => buy(u.id, '10'),
    ]);
    expect(outcomes[0]).toMatch(/^\d+$/);
    expect(outcomes[1]).toBe('INSUFFICIENT_FUNDS');
    expect(outcomes[2]).toMatch(/^\d+$/);
    expect(await balance(t.db, u.id, 'USDT')).toEqual({ available: '40', locked: '60' });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('answers a clientOrderId used twice in one batch once with DUPLICATE_CLIENT_ORDER_ID', async () => {
    const u = await trader({ USDT: '100' });
    const v = await trader({ USDT: '100' });
    const outcomes = await together([
      () => buy(u.id, '10', { clientOrderId: 'same' }),
      () => buy(v.id, '10', { clientOrderId: 'same' }), // another user: no conflict
      () => buy(u.id, '10', { clientOrderId: 'same' }),
    ]);
    expect(outcomes[1]).toMatch(/^\d+$/);
    expect(outcomes.filter((o) => o === 'DUPLICATE_CLIENT_ORDER_ID')).toHaveLength(1);
    expect(await balance(t.db, u.id, 'USDT')).toEqual({ available: '90', locked: '10' });
    expect(await balance(t.db, v.id, 'USDT')).toEqual({ available: '90', locked: '10' });
    expect(await ledgerViolations(t.db)).toEqual([]);
  });

  it('counts earlier orders of the batch against the open-order limit', async () => {
    const u = await trader({ USDT: '1000' });
    await buy(u.id, '1');
    const limited = (price: string) => () => buy(u.id, price, { maxOpenOrders: 3 });
    const outcomes = await together([limited('2'), limited('3'), limited('4'), limited('5')]);
    expect(outcomes.slice(0, 2).every((o) => /^\d+$/.test(o))).toBe(true);
    expect(outcomes.slice(2)).toEqual(['TOO_MANY_OPEN_ORDERS', 'TOO_MANY_OPEN_ORDERS']);
    expect(await balance(t.db, u.id, 'USDT')).toEqual({ available: '994', locked: '6' });
  });

  it('holds the open-order limit exactly across concurrent statements and processes', async () => {
    // Four clients (as four trading processes), each recording its own group at once: without
    // per-user serialisation every statement counted the open orders of its own snapshot and
    // accepted up to the limit (6 or 9 of 12 were accepted in about half the rounds).
    const clients = [1, 2, 3, 4].map(() => createDb(t.url, { poolSize: 4 }));
    try {
      // Connected first, so that the statements really start together.
      await Promise.all(clients.map((db) => db.$queryRawUnsafe('SELECT 1')));
      for (let round = 0; round < 6; round++) {
        const u = await trader({ USDT: '1000', BTC: '1' });
        const outcomes = await Promise.all(
          clients.flatMap((db, c) =>
            [1, 2, 3].map((k) =>
              submitOrder(db, bus, {
                userId: u.id,
                marketSymbol: M,
                side: k === 3 ? 'SELL' : 'BUY', // another balance row: still counted
                price: String(c * 3 + k),
                quantity: k === 3 ? '0.001' : '1',
                maxOpenOrders: 3,
                timeoutMs: 20,
              }).then(
                () => 'ok',
                (e: unknown) => (e instanceof IntakeError ? e.code : String(e)),
              ),
            ),
          ),
        );
        expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
        expect(outcomes.filter((o) => o === 'TOO_MANY_OPEN_ORDERS')).toHaveLength(9);
        expect(await t.db.order.count({ where: { userId: u.id } })).toBe(3);
      }
      expect(await ledgerViolations(t.db)).toEqual([]);
    } finally {
      await Promise.all(clients.map((db) => db.$disconnect()));
    }
  });

  it('records nothing on a halted market', async () => {
    const u = await trader({ USDT: '100' });
    await t.db.market.update({ where: { symbol: M }, data: { status: 'HALTED' } });
    try {
      const outcomes = await together([() => buy(u.id, '10'), () => buy(u.id, '20')]);
      expect(outcomes).toEqual(['MARKET_HALTED', 'MARKET_HALTED']);
      expect(await balance(t.db, u.id, 'USDT')).toEqual({ available: '100', locked: '0' });
      expect(await t.db.order.count({ where: { userId: u.id } })).toBe(0);
    } finally {
      await t.db.market.update({ where: { symbol: M }, data: { status: 'TRADING' } });
    }
  });

  it('records cancels submitted together in one statement, each answered as alone', async () => {
    const u = await trader({ USDT: '100' });
    const v = await trader({ USDT: '100' });
    const [o1, o2, o3] = await Promise.all(
      ['1', '2', '3'].map(async (p) => (await buy(u.id, p)).order.id),
    );
    await t.db.order.update({ where: { id: BigInt(o3!) }, data: { status: 'CANCELED' } });
    const cancel = (userId: string, orderId: string) => () =>
      cancelOrder(t.db, bus, { userId, orderId, timeoutMs: 20 }).then(
        () => 'ok',
        (e: unknown) => (e instanceof IntakeError ? e.code : String(e)),
      );
    const outcomes = await Promise.all(
      [
        cancel(u.id, o1!),
        cancel(u.id, o1!), // twice: two commands, as two requests alone would queue
        cancel(u.id, o2!),
        cancel(v.id, o2!), // another user's order does not exist for v
        cancel(u.id, o3!), // already closed: nothing queued
        cancel(u.id, '999999999'),
      ].map((c) => c()),
    );
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'UNKNOWN_ORDER', 'ORDER_CLOSED', 'UNKNOWN_ORDER']);
    const commands = await t.db.engineCommand.findMany({
      where: { kind: 'CANCEL', orderId: { in: [o1, o2, o3].map((id) => BigInt(id!)) } },
      orderBy: { id: 'asc' },
    });
    expect(commands.map((c) => String(c.orderId))).toEqual([o1, o1, o2]);
    const { accountNo } = await t.db.user.findUniqueOrThrow({ where: { id: u.id } });
    for (const c of commands) {
      expect(c.userId).toBe(u.id);
      expect(c.marketSymbol).toBe(M);
      expect(c.payload).toEqual({
        kind: 'CANCEL',
        orderId: String(c.orderId),
        userId: u.id,
        accountNo,
      });
    }
    // One statement: one transaction time for all of them.
    expect(new Set(commands.map((c) => c.createdAt.getTime())).size).toBe(1);
  });

  it('records orders of several markets in one statement, limits per market, funds shared', async () => {
    const u = await trader({ USDT: '100' });
    const order =
      (marketSymbol: string, price: string, quantity = '1') =>
      () =>
        submitOrder(t.db, bus, {
          userId: u.id,
          marketSymbol,
          side: 'BUY',
          price,
          quantity,
          maxOpenOrders: 1,
          timeoutMs: 20,
        });
    // Each market's reference data cached first, as in a running process: otherwise the
    // orders of a market not yet loaded reach the group a few turns after the others.
    const unfunded = await trader({});
    for (const m of ['ETH-USDT', 'SOL-USDT']) {
      await submitOrder(t.db, bus, {
        userId: unfunded.id,
        marketSymbol: m,
        side: 'BUY',
        price: '1',
        quantity: '1',
        timeoutMs: 20,
      }).catch(() => {});
    }
    await t.db.market.update({ where: { symbol: 'SOL-USDT' }, data: { status: 'HALTED' } });
    try {
      const outcomes = await together([
        order('BTC-USDT', '30'),
        order('ETH-USDT', '30'), // its own market's limit: accepted
        order('BTC-USDT', '20'), // a second open order in BTC-USDT: over the limit of 1
        order('SOL-USDT', '10'), // halted, and only that market
        order('ETH-USDT', '0.5', '100'), // 50 USDT: 40 are left after the first two
      ]);
      expect(outcomes[0]).toMatch(/^\d+$/);
      expect(outcomes[1]).toMatch(/^\d+$/);
      expect(outcomes.slice(2)).toEqual([
        'TOO_MANY_OPEN_ORDERS',
        'MARKET_HALTED',
        'TOO_MANY_OPEN_ORDERS',
      ]);
      const orders = await t.db.order.findMany({ where: { userId: u.id }, orderBy: { id: 'asc' } });
      expect(orders.map((o) => [String(o.id), o.marketSymbol])).toEqual([
        [outcomes[0], 'BTC-USDT'],
        [outcomes[1], 'ETH-USDT'],
      ]);
      // One statement: one transaction time for both markets.
      expect(orders[0]!.createdAt.getTime()).toBe(orders[1]!.createdAt.getTime());
      const commands = await t.db.engineCommand.findMany({
        where: { orderId: { in: orders.map((o) => o.id) } },
      });
      expect(commands.map((c) => [String(c.orderId), c.marketSymbol]).sort()).toEqual(
        orders.map((o) => [String(o.id), o.marketSymbol]).sort(),
      );
      expect(await balance(t.db, u.id, 'USDT')).toEqual({ available: '40', locked: '60' });

      // Funds are counted across markets within one group: 30 + 30 of 40 do not both fit.
      const v = await trader({ USDT: '40' });
      const shared = await together([
        () => buy(v.id, '30'),
        () =>
          submitOrder(t.db, bus, {
            userId: v.id,
            marketSymbol: 'ETH-USDT',
            side: 'BUY',
            price: '30',
            quantity: '1',
            timeoutMs: 20,
          }),
      ]);
      expect(shared[0]).toMatch(/^\d+$/);
      expect(shared[1]).toBe('INSUFFICIENT_FUNDS');
      expect(await balance(t.db, v.id, 'USDT')).toEqual({ available: '10', locked: '30' });
      expect(await ledgerViolations(t.db)).toEqual([]);
    } finally {
      await t.db.market.update({ where: { symbol: 'SOL-USDT' }, data: { status: 'TRADING' } });
    }
  });
});
