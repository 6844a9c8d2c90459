import { BusTimeoutError, engineQueue, type MemoryBus } from '@flowex/bus';
import { describe, expect, it } from 'vitest';
import { type CommandReply, type EngineCommandMessage, submitOrder } from '../../src/index.ts';
import { engineUnderTest, fundedUser, ledgerViolations, testConfig } from './helpers.ts';

const M = 'BTC-USDT';
const DAY = 86_400_000;

describe('processed engine commands', () => {
  const t = engineUnderTest('engine_command_purge', {
    commandPurge: { everyMs: 200, firstAfterMs: 200 },
  });

  it('are deleted once older than the retention; unprocessed and recent ones are kept', async () => {
    expect(testConfig().ENGINE_COMMAND_RETENTION_DAYS).toBe(7);
    const seller = await fundedUser(t.db, 'seller@example.com', { BTC: '1', ETH: '1' });
    const buyer = await fundedUser(t.db, 'buyer@example.com', { USDT: '100000' });
    const order = (side: 'BUY' | 'SELL', userId: string) => ({
      userId,
      marketSymbol: M,
      side,
      price: '30000',
      quantity: '0.1',
    });
    const oldSell = await submitOrder(t.db, t.bus, order('SELL', seller.id));
    const oldBuy = await submitOrder(t.db, t.bus, order('BUY', buyer.id));
    const recentSell = await submitOrder(t.db, t.bus, order('SELL', seller.id));
    expect(oldBuy.order.status).toBe('FILLED');
    // An order in a market no engine here owns: accepted, never processed.
    const unowned = await submitOrder(
      t.db,
      {
        publish: async () => {},
        request: async (queue: string) => {
          throw new BusTimeoutError(queue, 'nobody', 0);
        },
      } as unknown as MemoryBus,
      { ...order('SELL', seller.id), marketSymbol: 'ETH-USDT', price: '2000' },
    );
    expect(unowned.timedOut).toBe(true);

    const commandOf = (o: { order: { id: string } }) =>
      t.db.engineCommand.findFirstOrThrow({ where: { orderId: BigInt(o.order.id) } });
    const purgedCommand = await commandOf(oldBuy);
    const aged = await Promise.all([oldSell, oldBuy, unowned].map(commandOf));
    await t.db.engineCommand.updateMany({
      where: { id: { in: aged.map((c) => c.id) } },
      data: { createdAt: new Date(Date.now() - 8 * DAY) },
    });

    await expect
      .poll(() => t.db.engineCommand.count({ where: { orderId: BigInt(oldBuy.order.id) } }), {
        timeout: 10_000,
      })
      .toBe(0);
    const left = await t.db.engineCommand.findMany({ select: { orderId: true } });
    expect(left.map((c) => String(c.orderId)).sort()).toEqual(
      [recentSell.order.id, unowned.order.id].sort(),
    );
    expect((await commandOf(unowned)).processedSeq).toBeNull();

    // The same command delivered again (a bus redelivery) is answered from the order, not run
    // a second time.
    const again = await t.bus.request<CommandReply>(engineQueue(M), {
      commandId: String(purgedCommand.id),
      marketSymbol: M,
      body: purgedCommand.payload,
    } as unknown as EngineCommandMessage);
    expect(again).toMatchObject({ outcome: 'placed', order: { status: 'FILLED' } });
    expect(await t.db.trade.count()).toBe(1);
    expect(await ledgerViolations(t.db)).toEqual([]);
  });
});
