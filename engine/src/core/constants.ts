/** Numeric codes used on the fast path, with their stable string names. */

export const Side = { BUY: 0, SELL: 1 } as const;
export const SIDE_NAMES = ['BUY', 'SELL'] as const;
export type SideName = (typeof SIDE_NAMES)[number];

export const OrderType = {
  LIMIT: 0,
  MARKET: 1,
  STOP_LOSS: 2,
  STOP_LOSS_LIMIT: 3,
  TAKE_PROFIT: 4,
  TAKE_PROFIT_LIMIT: 5,
} as const;
export const ORDER_TYPE_NAMES = [
  'LIMIT',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;
export type OrderTypeName = (typeof ORDER_TYPE_NAMES)[number];

export const TimeInForce = { GTC: 0, IOC: 1, FOK: 2 } as const;
export const TIF_NAMES = ['GTC', 'IOC', 'FOK'] as const;
export type TimeInForceName = (typeof TIF_NAMES)[number];

/** Self-trade prevention, as Binance defines it; the taker's mode decides. */
export const StpMode = { NONE: 0, EXPIRE_TAKER: 1, EXPIRE_MAKER: 2, EXPIRE_BOTH: 3 } as const;
export const STP_NAMES = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'] as const;
export type StpModeName = (typeof STP_NAMES)[number];

export const OrderStatus = {
  NEW: 0,
  PARTIALLY_FILLED: 1,
  FILLED: 2,
  CANCELED: 3,
  EXPIRED: 4,
  PENDING_TRIGGER: 5,
} as const;
export const STATUS_NAMES = [
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'EXPIRED',
  'PENDING_TRIGGER',
] as const;
export type OrderStatusName = (typeof STATUS_NAMES)[number];

export const CommandKind = { PLACE: 0, CANCEL: 1, AMEND: 2, CANCEL_ALL: 3 } as const;
export const COMMAND_NAMES = ['PLACE', 'CANCEL', 'AMEND', 'CANCEL_ALL'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Reject reasons (event REJECTED). The command had no effect at all.
 * Index = numeric code carried in the fast event buffer.
 */
export const REJECT_REASONS = [
  'INVALID_ORDER_ID', // not a safe integer in [1, 2^53)
  'INVALID_USER_ID', // not a safe integer in [1, 2^53)
  'DUPLICATE_ORDER_ID', // an open order (resting or pending stop) already has this id
  'INVALID_SIDE',
  'INVALID_ORDER_TYPE',
  'INVALID_TIME_IN_FORCE', // unknown, or not allowed for the type (MARKET is implicitly IOC)
  'INVALID_PRICE', // missing / not a safe integer >= 1 for *LIMIT types, or given for MARKET types
  'INVALID_QUANTITY', // not a safe integer >= 1; on amend also <= already filled
  'INVALID_QUOTE_QUANTITY', // quote amount only for MARKET BUY, bigint >= 1, exclusive with quantity
  'INVALID_STOP_PRICE', // missing / not a safe integer >= 1 for stop types, or given for others
  'INVALID_DISPLAY_QUANTITY', // iceberg: safe integer in [1, quantity), GTC LIMIT-like only
  'INVALID_STP_MODE',
  'INVALID_POST_ONLY', // postOnly only for LIMIT GTC
  'POST_ONLY_WOULD_TAKE', // postOnly order (or amend of one) would cross the book
  'UNKNOWN_ORDER', // cancel/amend of an order that is not open (or belongs to another user)
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const RejectCode = Object.fromEntries(REJECT_REASONS.map((r, i) => [r, i])) as {
  readonly [K in RejectReason]: number;
};

/**
 * Expiry reasons (event EXPIRED). The order (or its remainder) is gone; trades before it stand.
 */
export const EXPIRE_REASONS = [
  'IOC', // IOC limit: remainder after matching
  'FOK', // FOK could not be filled completely: nothing traded
  'STP_EXPIRE_TAKER', // self-trade prevention expired the taker
  'STP_EXPIRE_MAKER', // self-trade prevention expired this resting maker
  'STP_EXPIRE_BOTH', // self-trade prevention expired maker and taker
  'MARKET_PROTECTION', // market order reached the protection bound (best at arrival +/- bps)
  'NO_LIQUIDITY', // market order: the opposite side ran out (or was empty)
  'LEVEL_CAPACITY', // resting would make a level total exceed 2^53-1 lots (never silently wrong)
  'QUOTE_TOO_SMALL', // quote-amount market BUY whose budget cannot buy a single lot
] as const;
export type ExpireReason = (typeof EXPIRE_REASONS)[number];
export const ExpireCode = Object.fromEntries(EXPIRE_REASONS.map((r, i) => [r, i])) as {
  readonly [K in ExpireReason]: number;
};

/** Event type codes in the fast buffer. */
export const EventType = {
  ACCEPTED: 0,
  REJECTED: 1,
  TRADE: 2,
  ORDER_UPDATED: 3,
  EXPIRED: 4,
  STOP_TRIGGERED: 5,
  BOOK_LEVEL: 6,
} as const;
export const EVENT_NAMES = [
  'ACCEPTED',
  'REJECTED',
  'TRADE',
  'ORDER_UPDATED',
  'EXPIRED',
  'STOP_TRIGGERED',
  'BOOK_LEVEL',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/**
 * Fast event buffer layout: each event is EVENT_STRIDE float64 slots:
 * [0]=type, [1]=seq, [2..11]=fields F0..F9 (all exact safe integers).
 *
 *  ACCEPTED       orderId userId side orderType tif price quantity stopPrice displayQty flags
 *                 (flags: bit0 postOnly, bits1-2 stp, bit3 quote-quantity market order)
 *  REJECTED       orderId userId command reason
 *  TRADE          makerOrderId makerUserId takerOrderId takerUserId price quantity takerSide
 *  ORDER_UPDATED  orderId userId side status price quantity filled remaining visible
 *  EXPIRED        orderId userId side reason price quantity filled remaining
 *  STOP_TRIGGERED orderId userId side stopPrice lastPrice
 *  BOOK_LEVEL     side price quantity(visible total, 0 = level gone) orderCount
 */
export const EVENT_STRIDE = 12;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
