import fc from 'fast-check';
import type { Command } from '../src/core/types.ts';

const TYPES = [
  'LIMIT',
  'LIMIT',
  'LIMIT',
  'LIMIT',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;

const id = fc.integer({ min: 1, max: 40 });
const user = fc.integer({ min: 1, max: 3 });
const price = fc.integer({ min: 95, max: 105 });
/** Wide price range: deep ladders (exercises the binary search and copyWithin paths). */
const widePrice = fc.integer({ min: 1, max: 400 });

const placeWith = (price: fc.Arbitrary<number>): fc.Arbitrary<Command> =>
  fc
    .record({
      orderId: id,
      userId: user,
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      type: fc.constantFrom(...TYPES),
      tif: fc.constantFrom(
        'GTC' as const,
        'GTC' as const,
        'GTC' as const,
        'IOC' as const,
        'FOK' as const,
      ),
      price,
      stopPrice: price,
      quantity: fc.integer({ min: 1, max: 20 }),
      display: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 3 }),
      stp: fc.constantFrom(
        'NONE' as const,
        'NONE' as const,
        'EXPIRE_TAKER' as const,
        'EXPIRE_MAKER' as const,
        'EXPIRE_BOTH' as const,
      ),
      postOnly: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
      quote: fc.option(fc.bigInt({ min: 1n, max: 3000n }), { freq: 2 }),
      raw: fc.integer({ min: 0, max: 39 }),
    })
    .map((r): Command => {
      const limitLike = r.type === 'LIMIT' || r.type.endsWith('_LIMIT');
      const stop = r.type !== 'LIMIT' && r.type !== 'MARKET';
      const c: Command = {
        kind: 'place',
        orderId: r.orderId,
        userId: r.userId,
        side: r.side,
        type: r.type,
        quantity: r.quantity,
        stp: r.stp,
      };
      if (limitLike) {
        c.price = r.price;
        c.timeInForce = r.tif;
        if (r.display !== null && r.tif === 'GTC') c.displayQuantity = r.display;
        if (r.type === 'LIMIT' && r.tif === 'GTC' && r.postOnly) c.postOnly = true;
      }
      if (stop) c.stopPrice = r.stopPrice;
      if (r.type === 'MARKET' && r.side === 'BUY' && r.quote !== null) {
        c.quoteQuantity = r.quote;
        delete c.quantity;
      }
      // a few deliberately invalid commands
      if (r.raw === 0) c.quantity = 0;
      if (r.raw === 1) c.price = limitLike ? 1.5 : 100;
      if (r.raw === 2) c.displayQuantity = r.quantity;
      if (r.raw === 3) c.orderId = -1;
      return c;
    });
const place = placeWith(price);

const cancel: fc.Arbitrary<Command> = fc
  .record({ orderId: id, userId: fc.option(user, { freq: 4 }) })
  .map((r) => {
    const c: Command = { kind: 'cancel', orderId: r.orderId };
    if (r.userId !== null) c.userId = r.userId;
    return c;
  });

const amendWith = (price: fc.Arbitrary<number>): fc.Arbitrary<Command> =>
  fc
    .record({
      orderId: id,
      quantity: fc.integer({ min: 0, max: 25 }),
      price: fc.option(price, { freq: 2 }),
    })
    .map((r) => {
      const c: Command = { kind: 'amend', orderId: r.orderId, quantity: r.quantity };
      if (r.price !== null) c.price = r.price;
      return c;
    });
const amend = amendWith(price);

const cancelAll: fc.Arbitrary<Command> = user.map((u) => ({ kind: 'cancelAll', userId: u }));

export const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: place, weight: 20 },
  { arbitrary: cancel, weight: 3 },
  { arbitrary: amend, weight: 4 },
  { arbitrary: cancelAll, weight: 1 },
);

export const commands = (max = 120) =>
  fc.array(command, { minLength: 1, maxLength: max, size: 'max' });

const wideCommand: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: placeWith(widePrice), weight: 20 },
  { arbitrary: cancel, weight: 3 },
  { arbitrary: amendWith(widePrice), weight: 4 },
);
export const wideCommands = (max = 150) =>
  fc.array(wideCommand, { minLength: 1, maxLength: max, size: 'max' });
