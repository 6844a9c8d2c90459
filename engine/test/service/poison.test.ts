import { describe, expect, it } from 'vitest';
import { orderView, submitOrder } from '../../src/index.ts';
import { balance, engineUnderTest, fundedUser, ledgerViolations } from './helpers.ts';

const M = 'BTC-USDT';

describe('a command whose settlement keeps failing', () => {
  const t = engineUnderTest('engine_poison');

  it('is refused (hold released) without blocking the market', async () => {
    const seller = await fundedUser(t.db, 'seller@example.com', { BTC: '1' });
    const buyer = await fundedUser(t.db, 'buyer@example.com', { USDT: '100000' });
    await submitOrder(t.db, t.bus, {
      userId: seller.id,
      marketSymbol: M,
      side: 'SELL',
      price: '30000',
      quantity: '1',
    });
    // A corrupt intake record: its hold (1 USDT) cannot pay for what it buys, so the
    // database's non-negative constraints refuse every settlement of it.
    const { accountNo } = await t.db.user.findUniqueOrThrow({ where: { id: buyer.id } });
    await t.db.balance.update({
      where: { userId_assetCode: { userId: buyer.id, assetCode: 'USDT' } },
      data: { available: { decrement: 1 }, locked: { increment: 1 } },
    });
    const journalId = crypto.randomUUID();
    const order = await t.db.order.create({
      data: {
        userId: buyer.id,
        marketSymbol: M,
        side: 'BUY',
        type: 'LIMIT',
        price: '30000',
        quantity: '1',
        holdAsset: 'USDT',
        holdRemaining: '1',
      },
    });
    await t.db.ledgerEntry.createMany({
      data: [
        {
          journalId,
          userId: buyer.id,
          assetCode: 'USDT',
          bucket: 'AVAILABLE',
          type: 'HOLD',
          amount: '-1',
          reference: `order:${order.id}`,
        },
        {
          journalId,
          userId: buyer.id,
          assetCode: 'USDT',
          bucket: 'LOCKED',
          type: 'HOLD',
          amount: '1',
          reference: `order:${order.id}`,
        },
      ],
    });
    const body = {
      kind: 'PLACE',
      orderId: String(order.id),
      userId: buyer.id,
      accountNo,
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      price: '30000',
      quantity: '1',
      postOnly: false,
      selfTradePrevention: 'NONE',
      hold: '1',
    };
    await t.db.engineCommand.create({
      data: { marketSymbol: M, kind: 'PLACE', orderId: order.id, userId: buyer.id, payload: body },
    });
    // picked up by the sweep, fails three times, then refused
    await expect
      .poll(async () => (await orderView(t.db, String(order.id))).status, { timeout: 8000 })
      .toBe('REJECTED');
    expect((await orderView(t.db, String(order.id))).rejectReason).toBe('SETTLEMENT_FAILED');
    expect(await balance(t.db, buyer.id, 'USDT')).toEqual({ available: '100000', locked: '0' });

    // the market goes on
    const next = await submitOrder(t.db, t.bus, {
      userId: buyer.id,
      marketSymbol: M,
      side: 'BUY',
      price: '30000',
      quantity: '0.1',
    });
    expect(next.order.status).toBe('FILLED');
    expect(await ledgerViolations(t.db)).toEqual([]);
  }, 20_000);
});
