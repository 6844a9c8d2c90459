import type { OrderTypeName, SideName, StpModeName, TimeInForceName } from './constants.ts';

export interface EngineConfig {
  /** Market-order price protection, in basis points from the best opposite price at arrival. */
  marketProtectionBps?: number;
  /** Initial capacity of the order pool (it grows by doubling). */
  initialOrderCapacity?: number;
}

export interface PlaceOrder {
  orderId: number;
  userId: number;
  side: SideName;
  /** Default LIMIT. */
  type?: OrderTypeName;
  /** LIMIT-like types only; default GTC. MARKET-like types are immediate by nature. */
  timeInForce?: TimeInForceName;
  /** Limit price in ticks (LIMIT, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT). */
  price?: number;
  /** Base quantity in lots. */
  quantity?: number;
  /** MARKET BUY only, instead of quantity: budget in tick·lot units (exact bigint). */
  quoteQuantity?: bigint;
  /** Trigger price in ticks (STOP_LOSS*, TAKE_PROFIT*). */
  stopPrice?: number;
  /** LIMIT GTC only: rejected if it would take. */
  postOnly?: boolean;
  /** Iceberg: visible slice size (GTC LIMIT-like only, 1 <= display < quantity). */
  displayQuantity?: number;
  /** Self-trade prevention mode when this order is the taker. Default NONE. */
  stp?: StpModeName;
}

export interface AmendOrder {
  orderId: number;
  /** If given, must own the order. */
  userId?: number;
  /** New total (original) quantity in lots; must exceed the filled quantity. */
  quantity: number;
  /** New limit price; omitted = unchanged. */
  price?: number;
}

export type Command =
  | ({ kind: 'place' } & PlaceOrder)
  | { kind: 'cancel'; orderId: number; userId?: number }
  | ({ kind: 'amend' } & AmendOrder)
  | { kind: 'cancelAll'; userId: number };

export interface OrderView {
  orderId: number;
  userId: number;
  side: SideName;
  type: OrderTypeName;
  timeInForce: TimeInForceName;
  price: number;
  stopPrice: number;
  quantity: number;
  filled: number;
  remaining: number;
  visible: number;
  displayQuantity: number;
  stp: StpModeName;
  postOnly: boolean;
  state: 'RESTING' | 'PENDING_TRIGGER';
}

export interface DepthLevel {
  price: number;
  quantity: number;
  orderCount: number;
}

/**
 * One order in a snapshot:
 * [orderId, userId, side, type, tif, price, stopPrice, quantity, filled, remaining, visible,
 *  displayQuantity, stp, postOnly(0|1)]
 */
export type SnapshotOrder = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** Plain JSON-serialisable snapshot of the whole market state. */
export interface EngineSnapshot {
  version: 1;
  config: { marketProtectionBps: number };
  seq: number;
  lastPrice: number;
  /** Best to worst price, FIFO within a level. */
  bids: SnapshotOrder[];
  asks: SnapshotOrder[];
  /** Pending stops in trigger (placement) order. */
  stops: SnapshotOrder[];
}
