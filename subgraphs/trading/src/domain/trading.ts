// The write side: placing, amending and cancelling orders. The user rules run here first
// (validate.ts owns every user-facing message and code; nothing is stored or held when they
// fail), then the engine's intake records order + hold + command in one transaction and
// answers after matching. What the engine decided is an order state, not an error.
import { type Bus, channels, iterate } from '@flowex/bus';
import { type Db, Prisma } from '@flowex/db';
import {
  IntakeError,
  type IntakeTrace,
  amendOrder as intakeAmend,
  cancelOrder as intakeCancel,
  cancelAllOrders as intakeCancelAll,
  type OrderStateView,
  type SubmitResult,
  submitOrder,
} from '@flowex/engine';
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Identity } from '@flowex/server';
import {
  bestAsk,
  findUserOrder,
  lastPrices,
  type OrderRow,
  openOrderMarkets,
} from '../data/orders.ts';
import { findMarket, type MarketRow } from '../data/reference.ts';
import { cachedMarket, forgetMarket } from './market-cache.ts';
import {
  checkPriceBand,
  type MarketRules,
  type PlaceOrderInput,
  requiredHold,
  validateOrderInput,
} from './orders/validate.ts';
import { parseOrderId } from './orders.ts';
import { normaliseCode } from './reference.ts';

const FINAL = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

/**
 * The one translation of the engine's refusals into GraphQL errors: IntakeError codes
 * (before the engine) and the reasons the engine gives when it refuses a command.
 */
export function engineError(error: unknown): never {
  if (error instanceof DomainError) throw error;
  const code = error instanceof IntakeError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'UNKNOWN_MARKET':
      throw new DomainError(ErrorCode.NOT_FOUND, message);
    case 'UNKNOWN_ORDER':
      throw new DomainError(ErrorCode.NOT_FOUND, 'No such order.');
    case 'MARKET_HALTED':
      throw new DomainError(ErrorCode.MARKET_HALTED, message);
    case 'INSUFFICIENT_FUNDS':
      throw new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `Insufficient funds: ${message}.`);
    case 'TOO_MANY_OPEN_ORDERS':
      throw new DomainError(ErrorCode.TOO_MANY_OPEN_ORDERS, message);
    case 'INVALID_ORDER':
    case 'DUPLICATE_CLIENT_ORDER_ID':
      throw new DomainError(ErrorCode.BAD_USER_INPUT, message);
    default:
      throw error;
  }
}

/** An engine refusal of a cancel/amend (reply outcome `rejected`) as a GraphQL error. */
function refusal(reason: string | undefined, what: string): never {
  switch (reason) {
    case 'INSUFFICIENT_FUNDS':
      throw new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `Insufficient funds to ${what}.`);
    case 'MARKET_HALTED':
      throw new DomainError(ErrorCode.MARKET_HALTED, `The market is halted: cannot ${what}.`);
    case 'POST_ONLY_WOULD_TAKE':
      throw new DomainError(
        ErrorCode.BAD_USER_INPUT,
        'A post-only order cannot be amended to a price that would take.',
        { field: 'price', reason },
      );
    case 'INVALID_QUANTITY':
    case 'INVALID_PRICE':
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `Cannot ${what}: ${reason}.`, { reason });
    default:
      throw new DomainError(
        ErrorCode.ORDER_NOT_CANCELABLE,
        `The order is no longer open: cannot ${what}.`,
        { reason },
      );
  }
}

function rulesOf(m: MarketRow): MarketRules {
  return {
    symbol: m.symbol,
    status: m.status,
    tickSize: m.tickSize,
    lotSize: m.lotSize,
    minQuantity: m.minQuantity,
    minNotional: m.minNotional,
    priceBandPercent: m.priceBandPercent,
    marketProtectionBps: m.marketProtectionBps,
    baseAssetCode: m.baseAssetCode,
    quoteAssetCode: m.quoteAssetCode,
    quoteDecimals: m.quoteAsset.decimals,
  };
}

async function marketOrThrow(db: Db, symbol: string): Promise<MarketRow> {
  const market = await findMarket(db, normaliseCode(symbol));
  if (!market) throw new DomainError(ErrorCode.NOT_FOUND, `No market ${symbol}.`);
  return market;
}

const fixed = (d: Prisma.Decimal | null) => (d === null ? undefined : d.toFixed());

async function reread(db: Db, userId: string, id: string | bigint): Promise<OrderRow> {
  const row = await findUserOrder(db, userId, BigInt(id));
  if (!row) throw new Error(`order ${id} vanished`);
  return row;
}

export async function placeOrder(
  db: Db,
  bus: Bus,
  caller: Identity,
  input: PlaceOrderInput,
  trace: IntakeTrace = {},
): Promise<OrderRow> {
  const userId = caller.userId;
  if (input.clientOrderId != null) {
    const first = await db.order.findFirst({
      where: { userId, clientOrderId: input.clientOrderId },
    });
    if (first) return first; // idempotent: the same key returns the first order
  }
  const market = await cachedMarket(db, normaliseCode(input.market));
  if (!market) throw new DomainError(ErrorCode.NOT_FOUND, `No market ${input.market}.`);
  const rules = rulesOf(market);
  const order = validateOrderInput(input, rules);
  const marketLikeBuy = order.side === 'BUY' && !order.price && !order.quoteQuantity;
  let hold: string | undefined;
  if (marketLikeBuy) {
    // Its hold depends on the book and the last price: read them first. Other orders have
    // their price band checked by the intake statement itself.
    const last = (await lastPrices(db, [market.symbol])).get(market.symbol) ?? null;
    checkPriceBand(order, rules, last);
    hold = requiredHold(order, rules, {
      bestAsk: order.stopPrice ? null : await bestAsk(db, market.symbol),
      lastPrice: last,
    }).amount.toFixed();
  }

  let result: SubmitResult;
  try {
    result = await submitOrder(db, bus, {
      userId,
      marketSymbol: market.symbol,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      postOnly: order.postOnly,
      selfTradePrevention: order.selfTradePrevention,
      maxOpenOrders: market.maxOpenOrdersPerUser,
      priceBandPercent: market.priceBandPercent.toFixed(),
      ...defined({
        price: fixed(order.price),
        stopPrice: fixed(order.stopPrice),
        quantity: fixed(order.quantity),
        quoteQuantity: fixed(order.quoteQuantity),
        displayQuantity: fixed(order.displayQuantity),
        clientOrderId: order.clientOrderId ?? undefined,
        hold,
      }),
      ...trace,
    });
  } catch (error) {
    if (error instanceof IntakeError && error.code === 'DUPLICATE_CLIENT_ORDER_ID') {
      // The same key raced in twice: the first one won; answer with it.
      const first = await db.order.findFirst({
        where: { userId, clientOrderId: order.clientOrderId },
      });
      if (first) return first;
    }
    if (error instanceof IntakeError && error.code === 'MARKET_HALTED') {
      forgetMarket(db, market.symbol);
    }
    if (error instanceof IntakeError && error.code === 'PRICE_OUT_OF_BAND') {
      checkPriceBand(order, rules, error.lastPrice ? new Prisma.Decimal(error.lastPrice) : null);
      throw new DomainError(ErrorCode.PRICE_OUT_OF_BAND, `Price ${error.message}.`);
    }
    engineError(error);
  }
  return answer(db, userId, result);
}

/** A decimal of an engine view (hoisted: under tsx a closure per call costs a `__name`). */
function dec(v: string | null): Prisma.Decimal | null {
  return v === null ? null : new Prisma.Decimal(v);
}

/**
 * The order as committed, from the engine's view of it (the reply to a command or a
 * published change): no database read. Undefined when the view is not complete (an order
 * placed before views carried its details, or an answer that did not change it).
 */
function rowFromView(view: OrderStateView | undefined, userId: string): OrderRow | undefined {
  const d = view?.details;
  if (!view?.updatedAt || !d || view.userId !== userId) return undefined;
  return {
    id: BigInt(view.id),
    userId: view.userId,
    marketSymbol: view.marketSymbol,
    clientOrderId: d.clientOrderId,
    side: view.side,
    type: d.type,
    timeInForce: d.timeInForce,
    postOnly: d.postOnly,
    selfTradePrevention: d.selfTradePrevention,
    status: view.status,
    price: dec(d.price),
    stopPrice: dec(d.stopPrice),
    quantity: dec(d.quantity),
    quoteQuantity: dec(d.quoteQuantity),
    displayQuantity: dec(d.displayQuantity),
    filledQuantity: new Prisma.Decimal(view.filledQuantity),
    filledQuoteQuantity: new Prisma.Decimal(view.filledQuoteQuantity),
    rejectReason: view.rejectReason ?? null,
    holdAsset: d.holdAsset,
    holdRemaining: new Prisma.Decimal(view.holdRemaining),
    engineSeq: view.engineSeq === undefined ? null : BigInt(view.engineSeq),
    createdAt: new Date(d.createdAt),
    updatedAt: new Date(view.updatedAt),
  };
}

/** The answer to a command about one order: the engine's view, or the committed row. */
function answer(db: Db, userId: string, result: SubmitResult): Promise<OrderRow> | OrderRow {
  return rowFromView(result.reply?.order, userId) ?? reread(db, userId, result.order.id);
}

function defined<T extends Record<string, unknown>>(o: T) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

async function ownOpenOrder(db: Db, caller: Identity, id: string, what: string) {
  const orderId = parseOrderId(id);
  const row = orderId === null ? null : await findUserOrder(db, caller.userId, orderId);
  // Another user's order is simply not found: never reveal that it exists.
  if (!row) throw new DomainError(ErrorCode.NOT_FOUND, `No order ${id}.`);
  if (FINAL.has(row.status)) {
    throw new DomainError(
      ErrorCode.ORDER_NOT_CANCELABLE,
      `Order ${id} is ${row.status}: cannot ${what}.`,
    );
  }
  return row;
}

export async function cancelOrder(
  db: Db,
  bus: Bus,
  caller: Identity,
  id: string,
  trace: IntakeTrace = {},
): Promise<OrderRow> {
  const orderId = parseOrderId(id);
  // Another user's order is simply not found: never reveal that it exists.
  if (orderId === null) throw new DomainError(ErrorCode.NOT_FOUND, `No order ${id}.`);
  let result: SubmitResult;
  try {
    result = await intakeCancel(db, bus, {
      userId: caller.userId,
      orderId: String(orderId),
      ...trace,
    });
  } catch (error) {
    if (error instanceof IntakeError && error.code === 'UNKNOWN_ORDER') {
      throw new DomainError(ErrorCode.NOT_FOUND, `No order ${id}.`);
    }
    if (error instanceof IntakeError && error.code === 'ORDER_CLOSED') {
      throw new DomainError(
        ErrorCode.ORDER_NOT_CANCELABLE,
        `Order ${id} is ${error.status}: cannot cancel it.`,
      );
    }
    engineError(error);
  }
  if (result.reply?.outcome === 'rejected') refusal(result.reply.reason, 'cancel it');
  return answer(db, caller.userId, result);
}

export async function amendOrder(
  db: Db,
  bus: Bus,
  caller: Identity,
  args: { id: string; quantity?: string | null; price?: string | null },
  trace: IntakeTrace = {},
): Promise<OrderRow> {
  const row = await ownOpenOrder(db, caller, args.id, 'amend it');
  if (row.type !== 'LIMIT') {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Only resting LIMIT orders can be amended.', {
      field: 'id',
    });
  }
  if (args.quantity == null && args.price == null) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Give a new quantity, a new price or both.', {
      field: 'quantity',
    });
  }
  const market = await marketOrThrow(db, row.marketSymbol);
  const rules = rulesOf(market);
  // The same user rules as a new order with the amended values (price band included).
  const order = validateOrderInput(
    {
      market: row.marketSymbol,
      side: row.side,
      type: 'LIMIT',
      timeInForce: 'GTC',
      price: args.price ?? row.price!.toFixed(),
      quantity: args.quantity ?? row.quantity!.toFixed(),
    },
    rules,
  );
  if (args.price != null) {
    const last = (await lastPrices(db, [market.symbol])).get(market.symbol) ?? null;
    checkPriceBand(order, rules, last);
  }
  if (!order.quantity!.gt(row.filledQuantity)) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `quantity must be more than the filled ${row.filledQuantity.toFixed()}.`,
      { field: 'quantity' },
    );
  }
  let result: SubmitResult;
  try {
    result = await intakeAmend(db, bus, {
      userId: caller.userId,
      orderId: String(row.id),
      quantity: order.quantity!.toFixed(),
      ...(args.price != null ? { price: order.price!.toFixed() } : {}),
      ...trace,
    });
  } catch (error) {
    engineError(error);
  }
  if (result.reply?.outcome === 'rejected') refusal(result.reply.reason, 'amend it');
  return answer(db, caller.userId, result);
}

export async function cancelAllOrders(
  db: Db,
  bus: Bus,
  caller: Identity,
  market?: string | null,
  trace: IntakeTrace = {},
): Promise<number> {
  const symbols = market
    ? [(await marketOrThrow(db, market)).symbol]
    : await openOrderMarkets(db, caller.userId);
  let cancelled = 0;
  for (const symbol of symbols) {
    try {
      const { reply } = await intakeCancelAll(db, bus, {
        userId: caller.userId,
        marketSymbol: symbol,
        ...trace,
      });
      cancelled += reply?.cancelledOrderIds?.length ?? 0;
    } catch (error) {
      engineError(error);
    }
  }
  return cancelled;
}

/** The caller's order changes as the engine publishes them (after each commit). */
export function myOrderChanges(bus: Bus, caller: Identity) {
  return iterate<OrderStateView>(bus, channels.orders(caller.userId), (payload) => {
    const v = payload as OrderStateView;
    return v.userId === caller.userId ? v : undefined;
  });
}

/** A published change as the Order it changed (its committed state). */
export async function changedOrder(db: Db, caller: Identity, view: OrderStateView) {
  return rowFromView(view, caller.userId) ?? reread(db, caller.userId, view.id);
}
