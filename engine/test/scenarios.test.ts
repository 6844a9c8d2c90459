import { describe, expect, it } from 'vitest';
import { EXPIRE_REASONS, MAX_SAFE, REJECT_REASONS } from '../src/core/constants.ts';
import { MatchingEngine } from '../src/core/engine.ts';
import { eventsToJson } from '../src/core/events.ts';
import type { EngineSnapshot } from '../src/core/types.ts';
import { Harness, noSeq } from './helpers.ts';

const acc = (o: Record<string, unknown>) => ({
  type: 'ACCEPTED',
  userId: 1,
  orderType: 'LIMIT',
  timeInForce: 'GTC',
  stopPrice: 0,
  displayQuantity: 0,
  postOnly: false,
  stp: 'NONE',
  ...o,
});
const lvl = (side: string, price: number, quantity: number, orderCount: number) => ({
  type: 'BOOK_LEVEL',
  side,
  price,
  quantity,
  orderCount,
});
const upd = (o: Record<string, unknown>) => ({ type: 'ORDER_UPDATED', userId: 1, ...o });
const trade = (
  price: number,
  quantity: number,
  maker: number,
  taker: number,
  takerSide = 'BUY',
  makerUser = 1,
  takerUser = 1,
) => ({
  type: 'TRADE',
  price,
  quantity,
  takerSide,
  makerOrderId: maker,
  makerUserId: makerUser,
  takerOrderId: taker,
  takerUserId: takerUser,
});

describe('limit orders, price-time priority', () => {
  it('a resting limit emits ACCEPTED and BOOK_LEVEL with gap-free seq', () => {
    const h = new Harness();
    expect(h.limit(1, 'SELL', 100, 10)).toEqual([
      {
        seq: 1,
        type: 'ACCEPTED',
        orderId: 1,
        userId: 1,
        side: 'SELL',
        orderType: 'LIMIT',
        timeInForce: 'GTC',
        price: 100,
        quantity: 10,
        stopPrice: 0,
        displayQuantity: 0,
        postOnly: false,
        stp: 'NONE',
      },
      { seq: 2, type: 'BOOK_LEVEL', side: 'SELL', price: 100, quantity: 10, orderCount: 1 },
    ]);
    expect(h.cancel(1)).toEqual([
      {
        seq: 3,
        type: 'ORDER_UPDATED',
        orderId: 1,
        userId: 1,
        side: 'SELL',
        status: 'CANCELED',
        price: 100,
        quantity: 10,
        filled: 0,
        remaining: 10,
        visible: 0,
      },
      { seq: 4, type: 'BOOK_LEVEL', side: 'SELL', price: 100, quantity: 0, orderCount: 0 },
    ]);
  });

  it('better price first, then time; trades at the maker price', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 101, 5, 1);
    h.limit(2, 'SELL', 100, 5, 2);
    h.limit(3, 'SELL', 100, 5, 3);
    const ev = h.limit(4, 'BUY', 101, 12, 4);
    expect(ev[1]!.seq).toBe(8);
    expect(noSeq(ev)).toEqual([
      acc({ orderId: 4, userId: 4, side: 'BUY', price: 101, quantity: 12 }),
      trade(100, 5, 2, 4, 'BUY', 2, 4),
      upd({
        orderId: 2,
        userId: 2,
        side: 'SELL',
        status: 'FILLED',
        price: 100,
        quantity: 5,
        filled: 5,
        remaining: 0,
        visible: 0,
      }),
      trade(100, 5, 3, 4, 'BUY', 3, 4),
      upd({
        orderId: 3,
        userId: 3,
        side: 'SELL',
        status: 'FILLED',
        price: 100,
        quantity: 5,
        filled: 5,
        remaining: 0,
        visible: 0,
      }),
      lvl('SELL', 100, 0, 0),
      trade(101, 2, 1, 4, 'BUY', 1, 4),
      upd({
        orderId: 1,
        userId: 1,
        side: 'SELL',
        status: 'PARTIALLY_FILLED',
        price: 101,
        quantity: 5,
        filled: 2,
        remaining: 3,
        visible: 3,
      }),
      lvl('SELL', 101, 3, 1),
      upd({
        orderId: 4,
        userId: 4,
        side: 'BUY',
        status: 'FILLED',
        price: 101,
        quantity: 12,
        filled: 12,
        remaining: 0,
        visible: 0,
      }),
    ]);
    expect(h.engine.depth('SELL')).toEqual([{ price: 101, quantity: 3, orderCount: 1 }]);
  });

  it('partial fill rests the remainder', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 3);
    expect(noSeq(h.limit(2, 'BUY', 101, 5)).slice(-2)).toEqual([
      upd({
        orderId: 2,
        side: 'BUY',
        status: 'PARTIALLY_FILLED',
        price: 101,
        quantity: 5,
        filled: 3,
        remaining: 2,
        visible: 2,
      }),
      lvl('BUY', 101, 2, 1),
    ]);
    expect(h.engine.bestBid()).toBe(101);
    expect(h.engine.bestAsk()).toBeNull();
  });

  it('IOC: the remainder expires (reason IOC)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    const ev = noSeq(
      h.place({ orderId: 2, side: 'BUY', price: 100, quantity: 8, timeInForce: 'IOC' }),
    );
    expect(ev.slice(1)).toEqual([
      trade(100, 5, 1, 2),
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'FILLED',
        price: 100,
        quantity: 5,
        filled: 5,
        remaining: 0,
        visible: 0,
      }),
      lvl('SELL', 100, 0, 0),
      {
        type: 'EXPIRED',
        orderId: 2,
        userId: 1,
        side: 'BUY',
        reason: 'IOC',
        price: 100,
        quantity: 8,
        filled: 5,
        remaining: 3,
      },
    ]);
    expect(h.engine.openOrderCount()).toBe(0);
  });

  it('FOK fills completely or does nothing (EXPIRED FOK)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    h.limit(2, 'SELL', 101, 5);
    const before = h.engine.snapshot();
    expect(
      noSeq(h.place({ orderId: 3, side: 'BUY', price: 101, quantity: 11, timeInForce: 'FOK' })),
    ).toEqual([
      acc({ orderId: 3, side: 'BUY', price: 101, quantity: 11, timeInForce: 'FOK' }),
      {
        type: 'EXPIRED',
        orderId: 3,
        userId: 1,
        side: 'BUY',
        reason: 'FOK',
        price: 101,
        quantity: 11,
        filled: 0,
        remaining: 0 + 11,
      },
    ]);
    expect({ ...h.engine.snapshot(), seq: 0 }).toEqual({ ...before, seq: 0 });
    const ev = noSeq(
      h.place({ orderId: 4, side: 'BUY', price: 101, quantity: 10, timeInForce: 'FOK' }),
    );
    expect(ev.filter((e) => e.type === 'TRADE')).toEqual([
      trade(100, 5, 1, 4),
      trade(101, 5, 2, 4),
    ]);
    expect(ev.at(-1)).toMatchObject({ type: 'ORDER_UPDATED', orderId: 4, status: 'FILLED' });
  });

  it('FOK respects the limit price and STP blocking', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5, 1);
    h.limit(2, 'SELL', 100, 5, 2);
    expect(
      noSeq(
        h.place({
          orderId: 3,
          userId: 2,
          side: 'BUY',
          price: 100,
          quantity: 6,
          timeInForce: 'FOK',
          stp: 'EXPIRE_TAKER',
        }),
      ).at(-1),
    ).toMatchObject({ type: 'EXPIRED', reason: 'FOK' });
    expect(
      noSeq(
        h.place({
          orderId: 4,
          userId: 2,
          side: 'BUY',
          price: 100,
          quantity: 5,
          timeInForce: 'FOK',
          stp: 'EXPIRE_TAKER',
        }),
      ).at(-1),
    ).toMatchObject({ type: 'ORDER_UPDATED', status: 'FILLED' });
  });
});

describe('market orders', () => {
  it('by quantity, with price protection (default 5 %)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    h.limit(2, 'SELL', 104, 5);
    h.limit(3, 'SELL', 106, 5);
    const ev = noSeq(h.place({ orderId: 4, side: 'BUY', type: 'MARKET', quantity: 20 }));
    expect(ev[0]).toEqual(
      acc({
        orderId: 4,
        side: 'BUY',
        orderType: 'MARKET',
        timeInForce: 'IOC',
        price: 0,
        quantity: 20,
      }),
    );
    expect(ev.filter((e) => e.type === 'TRADE')).toEqual([
      trade(100, 5, 1, 4),
      trade(104, 5, 2, 4),
    ]);
    expect(ev.at(-1)).toEqual({
      type: 'EXPIRED',
      orderId: 4,
      userId: 1,
      side: 'BUY',
      reason: 'MARKET_PROTECTION',
      price: 0,
      quantity: 20,
      filled: 10,
      remaining: 10,
    });
    expect(h.engine.bestAsk()).toBe(106);
  });

  it('configurable protection; SELL bound rounds towards the best price', () => {
    const h = new Harness({ marketProtectionBps: 100 });
    h.limit(1, 'BUY', 100, 1);
    h.limit(2, 'BUY', 99, 1);
    h.limit(3, 'BUY', 98, 1);
    const ev = noSeq(h.place({ orderId: 4, side: 'SELL', type: 'MARKET', quantity: 3 }));
    expect(ev.filter((e) => e.type === 'TRADE').map((e) => 'price' in e && e.price)).toEqual([
      100, 99,
    ]);
    expect(ev.at(-1)).toMatchObject({
      type: 'EXPIRED',
      reason: 'MARKET_PROTECTION',
      filled: 2,
      remaining: 1,
    });
  });

  it('no liquidity at arrival or when the side runs out', () => {
    const h = new Harness();
    expect(
      noSeq(h.place({ orderId: 1, side: 'SELL', type: 'MARKET', quantity: 3 })).at(-1),
    ).toEqual({
      type: 'EXPIRED',
      orderId: 1,
      userId: 1,
      side: 'SELL',
      reason: 'NO_LIQUIDITY',
      price: 0,
      quantity: 3,
      filled: 0,
      remaining: 3,
    });
    h.limit(2, 'SELL', 100, 1);
    expect(
      noSeq(h.place({ orderId: 3, side: 'BUY', type: 'MARKET', quantity: 3 })).at(-1),
    ).toMatchObject({ reason: 'NO_LIQUIDITY', filled: 1, remaining: 2 });
  });

  it('BUY by quote amount (exact bigint budget)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    h.limit(2, 'SELL', 101, 5);
    const ev = noSeq(h.place({ orderId: 3, side: 'BUY', type: 'MARKET', quoteQuantity: 750n }));
    expect(ev).toEqual([
      {
        ...acc({
          orderId: 3,
          side: 'BUY',
          orderType: 'MARKET',
          timeInForce: 'IOC',
          price: 0,
          quantity: 0,
        }),
        quoteQuantity: 750n,
      },
      trade(100, 5, 1, 3),
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'FILLED',
        price: 100,
        quantity: 5,
        filled: 5,
        remaining: 0,
        visible: 0,
      }),
      lvl('SELL', 100, 0, 0),
      trade(101, 2, 2, 3),
      upd({
        orderId: 2,
        side: 'SELL',
        status: 'PARTIALLY_FILLED',
        price: 101,
        quantity: 5,
        filled: 2,
        remaining: 3,
        visible: 3,
      }),
      lvl('SELL', 101, 3, 1),
      upd({
        orderId: 3,
        side: 'BUY',
        status: 'FILLED',
        price: 0,
        quantity: 0,
        filled: 7,
        remaining: 0,
        visible: 0,
      }),
    ]);
    expect(
      JSON.parse(
        eventsToJson(h.place({ orderId: 4, side: 'BUY', type: 'MARKET', quoteQuantity: 50n })),
      ),
    ).toMatchObject([
      { type: 'ACCEPTED', quoteQuantity: '50' },
      { type: 'EXPIRED', reason: 'QUOTE_TOO_SMALL', filled: 0 },
    ]);
  });

  it('quote amount only for MARKET BUY', () => {
    const h = new Harness();
    expect(
      noSeq(h.place({ orderId: 1, side: 'SELL', type: 'MARKET', quoteQuantity: 10n })),
    ).toMatchObject([{ type: 'REJECTED', reason: 'INVALID_QUOTE_QUANTITY' }]);
    expect(
      noSeq(h.place({ orderId: 1, side: 'BUY', type: 'MARKET', quoteQuantity: 10n, quantity: 1 })),
    ).toMatchObject([{ type: 'REJECTED', reason: 'INVALID_QUOTE_QUANTITY' }]);
  });
});

describe('postOnly and iceberg', () => {
  it('postOnly is rejected if it would take, rests otherwise', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    expect(
      noSeq(h.place({ orderId: 2, side: 'BUY', price: 100, quantity: 1, postOnly: true })),
    ).toEqual([
      { type: 'REJECTED', command: 'PLACE', orderId: 2, userId: 1, reason: 'POST_ONLY_WOULD_TAKE' },
    ]);
    expect(
      noSeq(h.place({ orderId: 3, side: 'BUY', price: 99, quantity: 1, postOnly: true })),
    ).toEqual([
      acc({ orderId: 3, side: 'BUY', price: 99, quantity: 1, postOnly: true }),
      lvl('BUY', 99, 1, 1),
    ]);
    expect(noSeq(h.run({ kind: 'amend', orderId: 3, quantity: 1, price: 100 }))).toMatchObject([
      { type: 'REJECTED', command: 'AMEND', reason: 'POST_ONLY_WOULD_TAKE' },
    ]);
  });

  it('iceberg shows its slice; each refreshed slice goes to the back of its level', () => {
    const h = new Harness();
    expect(
      noSeq(h.place({ orderId: 1, side: 'SELL', price: 100, quantity: 10, displayQuantity: 3 }))[1],
    ).toEqual(lvl('SELL', 100, 3, 1));
    h.limit(2, 'SELL', 100, 2, 2);
    expect(h.engine.depth('SELL')).toEqual([{ price: 100, quantity: 5, orderCount: 2 }]);
    const ev = noSeq(h.limit(3, 'BUY', 100, 4, 3));
    expect(ev.slice(1)).toEqual([
      trade(100, 3, 1, 3, 'BUY', 1, 3),
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'PARTIALLY_FILLED',
        price: 100,
        quantity: 10,
        filled: 3,
        remaining: 7,
        visible: 3,
      }),
      trade(100, 1, 2, 3, 'BUY', 2, 3),
      upd({
        orderId: 2,
        userId: 2,
        side: 'SELL',
        status: 'PARTIALLY_FILLED',
        price: 100,
        quantity: 2,
        filled: 1,
        remaining: 1,
        visible: 1,
      }),
      lvl('SELL', 100, 4, 2),
      upd({
        orderId: 3,
        userId: 3,
        side: 'BUY',
        status: 'FILLED',
        price: 100,
        quantity: 4,
        filled: 4,
        remaining: 0,
        visible: 0,
      }),
    ]);
    expect(h.engine.levelOrders('SELL', 100)).toEqual([2, 1]);
    // a large taker consumes the hidden part too, round-robin with refreshes
    const big = noSeq(h.limit(4, 'BUY', 100, 100, 4));
    expect(
      big
        .filter((e) => e.type === 'TRADE')
        .map((e) => 'makerOrderId' in e && [e.makerOrderId, e.quantity]),
    ).toEqual([
      [2, 1],
      [1, 3],
      [1, 3],
      [1, 1],
    ]);
  });

  it('iceberg must be GTC and display < quantity', () => {
    const h = new Harness();
    expect(
      noSeq(
        h.place({ orderId: 1, side: 'SELL', price: 100, quantity: 10, displayQuantity: 10 }),
      )[0],
    ).toMatchObject({ reason: 'INVALID_DISPLAY_QUANTITY' });
    expect(
      noSeq(
        h.place({
          orderId: 1,
          side: 'SELL',
          price: 100,
          quantity: 10,
          displayQuantity: 2,
          timeInForce: 'IOC',
        }),
      )[0],
    ).toMatchObject({ reason: 'INVALID_DISPLAY_QUANTITY' });
  });
});

describe('self-trade prevention (taker mode decides)', () => {
  const setup = () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5, 1);
    h.limit(2, 'SELL', 100, 5, 2);
    return h;
  };
  it('NONE trades with itself', () => {
    const h = setup();
    expect(noSeq(h.limit(3, 'BUY', 100, 10, 2)).filter((e) => e.type === 'TRADE')).toHaveLength(2);
  });
  it('EXPIRE_TAKER', () => {
    const h = setup();
    expect(
      noSeq(
        h.place({
          orderId: 3,
          userId: 2,
          side: 'BUY',
          price: 100,
          quantity: 10,
          stp: 'EXPIRE_TAKER',
        }),
      ).slice(1),
    ).toEqual([
      trade(100, 5, 1, 3, 'BUY', 1, 2),
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'FILLED',
        price: 100,
        quantity: 5,
        filled: 5,
        remaining: 0,
        visible: 0,
      }),
      lvl('SELL', 100, 5, 1),
      {
        type: 'EXPIRED',
        orderId: 3,
        userId: 2,
        side: 'BUY',
        reason: 'STP_EXPIRE_TAKER',
        price: 100,
        quantity: 10,
        filled: 5,
        remaining: 5,
      },
    ]);
    expect(h.engine.levelOrders('SELL', 100)).toEqual([2]);
  });
  it('EXPIRE_MAKER', () => {
    const h = setup();
    expect(
      noSeq(
        h.place({
          orderId: 3,
          userId: 2,
          side: 'BUY',
          price: 100,
          quantity: 10,
          stp: 'EXPIRE_MAKER',
        }),
      ).slice(3),
    ).toEqual([
      {
        type: 'EXPIRED',
        orderId: 2,
        userId: 2,
        side: 'SELL',
        reason: 'STP_EXPIRE_MAKER',
        price: 100,
        quantity: 5,
        filled: 0,
        remaining: 5,
      },
      lvl('SELL', 100, 0, 0),
      upd({
        orderId: 3,
        userId: 2,
        side: 'BUY',
        status: 'PARTIALLY_FILLED',
        price: 100,
        quantity: 10,
        filled: 5,
        remaining: 5,
        visible: 5,
      }),
      lvl('BUY', 100, 5, 1),
    ]);
  });
  it('EXPIRE_BOTH', () => {
    const h = setup();
    expect(
      noSeq(
        h.place({
          orderId: 3,
          userId: 2,
          side: 'BUY',
          price: 100,
          quantity: 10,
          stp: 'EXPIRE_BOTH',
        }),
      ).slice(3),
    ).toEqual([
      {
        type: 'EXPIRED',
        orderId: 2,
        userId: 2,
        side: 'SELL',
        reason: 'STP_EXPIRE_BOTH',
        price: 100,
        quantity: 5,
        filled: 0,
        remaining: 5,
      },
      lvl('SELL', 100, 0, 0),
      {
        type: 'EXPIRED',
        orderId: 3,
        userId: 2,
        side: 'BUY',
        reason: 'STP_EXPIRE_BOTH',
        price: 100,
        quantity: 10,
        filled: 5,
        remaining: 5,
      },
    ]);
    expect(h.engine.openOrderCount()).toBe(0);
  });
});

describe('stop orders', () => {
  it('STOP_LOSS SELL triggers when last <= stop and becomes MARKET', () => {
    const h = new Harness();
    h.limit(1, 'BUY', 100, 1, 1);
    h.limit(4, 'BUY', 99, 10, 1);
    h.limit(2, 'SELL', 100, 1, 2);
    expect(h.engine.lastPrice).toBe(100);
    expect(
      noSeq(
        h.place({
          orderId: 3,
          userId: 3,
          side: 'SELL',
          type: 'STOP_LOSS',
          stopPrice: 99,
          quantity: 2,
        }),
      ),
    ).toEqual([
      acc({
        orderId: 3,
        userId: 3,
        side: 'SELL',
        orderType: 'STOP_LOSS',
        timeInForce: 'IOC',
        price: 0,
        quantity: 2,
        stopPrice: 99,
      }),
    ]);
    expect(h.engine.getOrder(3)).toMatchObject({ state: 'PENDING_TRIGGER' });
    expect(h.engine.depth('SELL')).toEqual([]);
    expect(noSeq(h.limit(5, 'SELL', 99, 1, 2))).toEqual([
      acc({ orderId: 5, userId: 2, side: 'SELL', price: 99, quantity: 1 }),
      trade(99, 1, 4, 5, 'SELL', 1, 2),
      upd({
        orderId: 4,
        side: 'BUY',
        status: 'PARTIALLY_FILLED',
        price: 99,
        quantity: 10,
        filled: 1,
        remaining: 9,
        visible: 9,
      }),
      lvl('BUY', 99, 9, 1),
      upd({
        orderId: 5,
        userId: 2,
        side: 'SELL',
        status: 'FILLED',
        price: 99,
        quantity: 1,
        filled: 1,
        remaining: 0,
        visible: 0,
      }),
      { type: 'STOP_TRIGGERED', orderId: 3, userId: 3, side: 'SELL', stopPrice: 99, lastPrice: 99 },
      trade(99, 2, 4, 3, 'SELL', 1, 3),
      upd({
        orderId: 4,
        side: 'BUY',
        status: 'PARTIALLY_FILLED',
        price: 99,
        quantity: 10,
        filled: 3,
        remaining: 7,
        visible: 7,
      }),
      lvl('BUY', 99, 7, 1),
      upd({
        orderId: 3,
        userId: 3,
        side: 'SELL',
        status: 'FILLED',
        price: 0,
        quantity: 2,
        filled: 2,
        remaining: 0,
        visible: 0,
      }),
    ]);
  });

  it('a stop whose condition already holds triggers at placement (TAKE_PROFIT BUY: last <= stop)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 1);
    h.limit(2, 'BUY', 100, 1);
    expect(
      noSeq(
        h.place({ orderId: 3, side: 'BUY', type: 'TAKE_PROFIT', stopPrice: 100, quantity: 1 }),
      ).map((e) => e.type),
    ).toEqual(['ACCEPTED', 'STOP_TRIGGERED', 'EXPIRED']);
    // no last price: pending even though "any" price could satisfy it
    const h2 = new Harness();
    expect(
      noSeq(
        h2.place({ orderId: 1, side: 'BUY', type: 'TAKE_PROFIT', stopPrice: 100, quantity: 1 }),
      ).map((e) => e.type),
    ).toEqual(['ACCEPTED']);
  });

  it('TAKE_PROFIT_LIMIT SELL triggers when last >= stop and becomes LIMIT at price', () => {
    const h = new Harness();
    h.place({
      orderId: 1,
      side: 'SELL',
      type: 'TAKE_PROFIT_LIMIT',
      stopPrice: 105,
      price: 104,
      quantity: 2,
      userId: 9,
    });
    h.limit(2, 'SELL', 105, 1, 2);
    const ev = noSeq(h.limit(3, 'BUY', 105, 1, 3));
    expect(ev.slice(-2)).toEqual([
      {
        type: 'STOP_TRIGGERED',
        orderId: 1,
        userId: 9,
        side: 'SELL',
        stopPrice: 105,
        lastPrice: 105,
      },
      lvl('SELL', 104, 2, 1),
    ]);
    expect(h.engine.getOrder(1)).toMatchObject({
      state: 'RESTING',
      price: 104,
      type: 'TAKE_PROFIT_LIMIT',
    });
  });

  it('cascades resolve fully, triggered stops enter in placement order', () => {
    const h = new Harness();
    h.place({
      orderId: 10,
      userId: 5,
      side: 'SELL',
      type: 'STOP_LOSS',
      stopPrice: 99,
      quantity: 1,
    });
    h.place({
      orderId: 11,
      userId: 5,
      side: 'SELL',
      type: 'STOP_LOSS',
      stopPrice: 100,
      quantity: 1,
    });
    h.place({
      orderId: 12,
      userId: 5,
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      stopPrice: 98,
      price: 98,
      quantity: 1,
    });
    h.place({
      orderId: 13,
      userId: 5,
      side: 'SELL',
      type: 'STOP_LOSS',
      stopPrice: 101,
      quantity: 1,
    });
    h.limit(1, 'BUY', 100, 1);
    h.limit(2, 'BUY', 99, 1);
    h.limit(3, 'BUY', 98, 5);
    const ev = noSeq(h.limit(20, 'SELL', 100, 1, 9));
    const seqOf = ev
      .filter((e) => e.type === 'STOP_TRIGGERED' || e.type === 'TRADE')
      .map((e) => (e.type === 'TRADE' ? `T${e.price}:${e.takerOrderId}` : `S${e.orderId}`));
    // trade at 100 triggers 11 and 13 (placement order); 11 sells at 99 -> triggers 10
    // (queued after 13); 13 sells at 98 -> triggers 12 (queued after 10); 10 and 12 trade at 98
    expect(seqOf).toEqual([
      'T100:20',
      'S11',
      'S13',
      'T99:11',
      'S10',
      'T98:13',
      'S12',
      'T98:10',
      'T98:12',
    ]);
    expect(h.engine.pendingStops()).toEqual([]);
    expect(h.engine.depth('BUY')).toEqual([{ price: 98, quantity: 2, orderCount: 1 }]);
  });

  it('pending stops can be cancelled and are listed by getOrder', () => {
    const h = new Harness();
    h.place({
      orderId: 1,
      side: 'BUY',
      type: 'STOP_LOSS_LIMIT',
      stopPrice: 110,
      price: 111,
      quantity: 3,
    });
    expect(h.engine.getOrder(1)).toMatchObject({
      state: 'PENDING_TRIGGER',
      stopPrice: 110,
      price: 111,
    });
    expect(noSeq(h.cancel(1))).toEqual([
      upd({
        orderId: 1,
        side: 'BUY',
        status: 'CANCELED',
        price: 111,
        quantity: 3,
        filled: 0,
        remaining: 3,
        visible: 0,
      }),
    ]);
  });
});

describe('amend, cancel, cancel-all', () => {
  it('reducing quantity keeps priority; increasing loses it', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 10);
    h.limit(2, 'SELL', 100, 5);
    expect(noSeq(h.run({ kind: 'amend', orderId: 1, quantity: 4 }))).toEqual([
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'NEW',
        price: 100,
        quantity: 4,
        filled: 0,
        remaining: 4,
        visible: 4,
      }),
      lvl('SELL', 100, 9, 2),
    ]);
    expect(h.engine.levelOrders('SELL', 100)).toEqual([1, 2]);
    expect(noSeq(h.run({ kind: 'amend', orderId: 1, quantity: 6 }))).toEqual([
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'NEW',
        price: 100,
        quantity: 6,
        filled: 0,
        remaining: 6,
        visible: 6,
      }),
      lvl('SELL', 100, 5, 1),
      lvl('SELL', 100, 11, 2),
    ]);
    expect(h.engine.levelOrders('SELL', 100)).toEqual([2, 1]);
  });

  it('a price change is cancel + re-insert and may trade', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5);
    h.limit(2, 'SELL', 100, 5);
    h.limit(3, 'BUY', 99, 3, 2);
    expect(noSeq(h.run({ kind: 'amend', orderId: 1, quantity: 5, price: 99 }))).toEqual([
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'NEW',
        price: 99,
        quantity: 5,
        filled: 0,
        remaining: 5,
        visible: 5,
      }),
      lvl('SELL', 100, 5, 1),
      trade(99, 3, 3, 1, 'SELL', 2, 1),
      upd({
        orderId: 3,
        userId: 2,
        side: 'BUY',
        status: 'FILLED',
        price: 99,
        quantity: 3,
        filled: 3,
        remaining: 0,
        visible: 0,
      }),
      lvl('BUY', 99, 0, 0),
      upd({
        orderId: 1,
        side: 'SELL',
        status: 'PARTIALLY_FILLED',
        price: 99,
        quantity: 5,
        filled: 3,
        remaining: 2,
        visible: 2,
      }),
      lvl('SELL', 99, 2, 1),
    ]);
    expect(noSeq(h.run({ kind: 'amend', orderId: 1, quantity: 3 }))).toMatchObject([
      { type: 'REJECTED', reason: 'INVALID_QUANTITY' },
    ]);
    expect(noSeq(h.run({ kind: 'amend', orderId: 1, quantity: 4 }))).toMatchObject([
      { type: 'ORDER_UPDATED', remaining: 1, quantity: 4 },
      lvl('SELL', 99, 1, 1),
    ]);
    expect(noSeq(h.run({ kind: 'amend', orderId: 77, quantity: 4 }))).toEqual([
      { type: 'REJECTED', command: 'AMEND', orderId: 77, userId: 0, reason: 'UNKNOWN_ORDER' },
    ]);
  });

  it("cancel of an unknown order, or of another user's order, is rejected", () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 5, 1);
    expect(noSeq(h.cancel(2))).toEqual([
      { type: 'REJECTED', command: 'CANCEL', orderId: 2, userId: 0, reason: 'UNKNOWN_ORDER' },
    ]);
    expect(noSeq(h.cancel(1, 2))).toEqual([
      { type: 'REJECTED', command: 'CANCEL', orderId: 1, userId: 2, reason: 'UNKNOWN_ORDER' },
    ]);
    expect(noSeq(h.cancel(1, 1))).toHaveLength(2);
  });

  it('cancel-all cancels resting and pending orders of one user in ascending id', () => {
    const h = new Harness();
    h.limit(5, 'SELL', 101, 1, 1);
    h.limit(2, 'SELL', 100, 1, 1);
    h.limit(3, 'SELL', 100, 1, 2);
    h.place({ orderId: 9, side: 'BUY', type: 'STOP_LOSS', stopPrice: 120, quantity: 1, userId: 1 });
    const ev = noSeq(h.run({ kind: 'cancelAll', userId: 1 }));
    expect(
      ev.filter((e) => e.type === 'ORDER_UPDATED').map((e) => 'orderId' in e && e.orderId),
    ).toEqual([2, 5, 9]);
    expect(h.engine.openOrderCount()).toBe(1);
    expect(noSeq(h.run({ kind: 'cancelAll', userId: 1 }))).toEqual([]);
  });
});

describe('validation and extremes (exact at 2^53)', () => {
  it('every reject reason is reachable', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, 1);
    const r = (o: Record<string, unknown>) =>
      (
        noSeq(
          h.run({
            kind: 'place',
            orderId: 50,
            userId: 1,
            side: 'BUY',
            price: 10,
            quantity: 1,
            ...o,
          } as never),
        )[0] as { reason: string }
      ).reason;
    const seen = new Set([
      r({ orderId: 2 ** 53 }),
      r({ userId: 0 }),
      r({ side: 'X' }),
      r({ type: 'OCO' }),
      r({ timeInForce: 'GTD' }),
      r({ price: 0 }),
      r({ quantity: 1.5 }),
      r({ type: 'MARKET', price: undefined, quoteQuantity: 0n, quantity: undefined }),
      r({ stopPrice: 5 }),
      r({ displayQuantity: 1 }),
      r({ stp: 'DECREMENT' }),
      r({ postOnly: true, timeInForce: 'IOC' }),
      r({ orderId: 1 }),
      r({ postOnly: true, price: 100 }),
    ]);
    seen.add((noSeq(h.cancel(99))[0] as { reason: string }).reason);
    expect([...seen].sort()).toEqual([...REJECT_REASONS].sort());
    expect(EXPIRE_REASONS).toContain('LEVEL_CAPACITY');
  });

  it('bounds: price/quantity/ids are safe integers, 2^53 is rejected', () => {
    const h = new Harness();
    const rej = (o: Record<string, unknown>) =>
      noSeq(
        h.run({
          kind: 'place',
          orderId: 1,
          userId: 1,
          side: 'BUY',
          price: 10,
          quantity: 1,
          ...o,
        } as never),
      )[0];
    expect(rej({ price: 2 ** 53 })).toMatchObject({ reason: 'INVALID_PRICE' });
    expect(rej({ quantity: 2 ** 53 })).toMatchObject({ reason: 'INVALID_QUANTITY' });
    expect(rej({ quantity: -1 })).toMatchObject({ reason: 'INVALID_QUANTITY' });
    expect(rej({ userId: 2 ** 53 })).toMatchObject({ reason: 'INVALID_USER_ID' });
    expect(rej({ price: Number.NaN })).toMatchObject({ reason: 'INVALID_PRICE' });
  });

  it('trades exactly at price = quantity = 2^53 - 1', () => {
    const h = new Harness();
    h.limit(1, 'SELL', MAX_SAFE, MAX_SAFE);
    const ev = noSeq(h.limit(2, 'BUY', MAX_SAFE, MAX_SAFE - 1));
    expect(ev[1]).toEqual(trade(MAX_SAFE, MAX_SAFE - 1, 1, 2));
    expect(h.engine.getOrder(1)).toMatchObject({ filled: MAX_SAFE - 1, remaining: 1 });
    expect(h.engine.depth('SELL')).toEqual([{ price: MAX_SAFE, quantity: 1, orderCount: 1 }]);
  });

  it('a level total never exceeds 2^53 - 1: the overflowing order expires (LEVEL_CAPACITY)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', 100, MAX_SAFE);
    expect(noSeq(h.limit(2, 'SELL', 100, 1)).at(-1)).toEqual({
      type: 'EXPIRED',
      orderId: 2,
      userId: 1,
      side: 'SELL',
      reason: 'LEVEL_CAPACITY',
      price: 100,
      quantity: 1,
      filled: 0,
      remaining: 1,
    });
    expect(h.engine.depth('SELL')).toEqual([{ price: 100, quantity: MAX_SAFE, orderCount: 1 }]);
  });

  it('quote budget beyond 2^53 is exact (bigint notional)', () => {
    const h = new Harness();
    h.limit(1, 'SELL', MAX_SAFE, 3);
    const budget = 2n * BigInt(MAX_SAFE) + 5n; // > 2^54: buys exactly 2 lots
    const ev = noSeq(h.place({ orderId: 2, side: 'BUY', type: 'MARKET', quoteQuantity: budget }));
    expect(ev[1]).toEqual(trade(MAX_SAFE, 2, 1, 2));
    expect(ev.at(-1)).toMatchObject({ type: 'ORDER_UPDATED', status: 'FILLED', filled: 2 });
    const h2 = new Harness();
    h2.limit(1, 'SELL', 3, MAX_SAFE - 1);
    const ev2 = noSeq(
      h2.place({ orderId: 2, side: 'BUY', type: 'MARKET', quoteQuantity: 10n ** 20n }),
    );
    expect(ev2[1]).toEqual(trade(3, MAX_SAFE - 1, 1, 2));
    expect(ev2.at(-1)).toMatchObject({
      type: 'EXPIRED',
      reason: 'NO_LIQUIDITY',
      filled: MAX_SAFE - 1,
    });
    // a quote order's filled quantity is itself capped at 2^53 - 1 lots (stays exact)
    const h3 = new Harness();
    h3.limit(1, 'SELL', 3, MAX_SAFE);
    h3.limit(3, 'SELL', 4, 1);
    const ev3 = noSeq(
      h3.place({ orderId: 2, side: 'BUY', type: 'MARKET', quoteQuantity: 10n ** 20n }),
    );
    expect(ev3.at(-1)).toMatchObject({ type: 'ORDER_UPDATED', status: 'FILLED', filled: MAX_SAFE });
  });

  it('market protection bound is exact for huge prices', () => {
    const h = new Harness();
    const bound = Number((BigInt(MAX_SAFE) * 9500n + 9999n) / 10000n);
    h.limit(1, 'BUY', MAX_SAFE, 1);
    h.limit(2, 'BUY', bound, 1);
    h.limit(3, 'BUY', bound - 1, 1);
    const ev = noSeq(h.place({ orderId: 4, side: 'SELL', type: 'MARKET', quantity: 3 }));
    expect(ev.filter((e) => e.type === 'TRADE').map((e) => 'price' in e && e.price)).toEqual([
      MAX_SAFE,
      bound,
    ]);
    expect(ev.at(-1)).toMatchObject({ reason: 'MARKET_PROTECTION', filled: 2, remaining: 1 });
    const hb = new Harness();
    hb.limit(1, 'SELL', MAX_SAFE, 1);
    expect(
      noSeq(hb.place({ orderId: 2, side: 'BUY', type: 'MARKET', quantity: 2 })).at(-1),
    ).toMatchObject({ reason: 'NO_LIQUIDITY', filled: 1 });
  });
});

describe('snapshot / restore and read helpers', () => {
  it('captures icebergs, stops, last price, seq and config', () => {
    const h = new Harness({ marketProtectionBps: 123 });
    h.place({ orderId: 1, side: 'SELL', price: 100, quantity: 10, displayQuantity: 3 });
    h.limit(2, 'SELL', 100, 2, 2);
    h.limit(3, 'BUY', 100, 4, 3);
    h.limit(4, 'BUY', 90, 7, 3);
    h.limit(5, 'BUY', 95, 1, 3);
    h.place({ orderId: 6, side: 'SELL', type: 'STOP_LOSS', stopPrice: 80, quantity: 1, userId: 4 });
    h.place({
      orderId: 7,
      side: 'BUY',
      type: 'STOP_LOSS_LIMIT',
      stopPrice: 120,
      price: 121,
      quantity: 1,
      userId: 4,
    });
    const snap = JSON.parse(JSON.stringify(h.engine.snapshot())) as EngineSnapshot;
    expect(snap).toMatchObject({
      version: 1,
      config: { marketProtectionBps: 123 },
      lastPrice: 100,
    });
    expect(snap.asks.map((o) => o[0])).toEqual([2, 1]);
    expect(snap.bids.map((o) => o[0])).toEqual([5, 4]);
    expect(snap.stops.map((o) => o[0])).toEqual([6, 7]);
    const r = MatchingEngine.restore(snap);
    expect(r.seq).toBe(h.engine.seq);
    expect(r.marketProtectionBps).toBe(123);
    expect(r.getOrder(1)).toEqual(h.engine.getOrder(1));
    expect(r.depth('BUY', 1)).toEqual([{ price: 95, quantity: 1, orderCount: 1 }]);
    expect(r.openOrderCount()).toBe(6);
    expect(r.bestAsk()).toBe(100);
    expect(r.bestBid()).toBe(95);
    expect(r.getOrder(42)).toBeNull();
  });
});
