// What travels from intake (the trading subgraph) to the engine and back. JSON only:
// amounts are decimal strings, ids of BigInt columns are strings.
import type { OrderSide, OrderType, SelfTradePrevention, TimeInForce } from '@flowex/db';

export interface PlaceCommand {
  kind: 'PLACE';
  orderId: string;
  userId: string;
  /** User.accountNo: the core's numeric user id (self-trade prevention). */
  accountNo: number;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  price?: string;
  stopPrice?: string;
  quantity?: string;
  quoteQuantity?: string;
  displayQuantity?: string;
  postOnly: boolean;
  selfTradePrevention: SelfTradePrevention;
  /** Funds held at intake (quote for BUY, base for SELL), decimal. */
  hold: string;
  clientOrderId?: string;
  /** The order row's createdAt (ISO), so that order views need no database read. */
  createdAt?: string;
}

export interface CancelCommand {
  kind: 'CANCEL';
  orderId: string;
  userId: string;
  accountNo: number;
}

/**
 * Change an open order's total quantity and/or limit price. Keeps its priority only when
 * the price is unchanged and the quantity not increased. `extraHold` was held at intake
 * (the engine releases whatever turns out not to be needed).
 */
export interface AmendCommand {
  kind: 'AMEND';
  orderId: string;
  userId: string;
  accountNo: number;
  quantity: string;
  price?: string;
  extraHold: string;
  holdAsset: string;
}

/** Cancel every open order (resting and pending stops) of a user in the market. */
export interface CancelAllCommand {
  kind: 'CANCEL_ALL';
  userId: string;
  accountNo: number;
}

export type CommandBody = PlaceCommand | CancelCommand | AmendCommand | CancelAllCommand;

/** A command as the engine consumes it: the EngineCommand row's id and payload. */
export interface EngineCommandMessage {
  commandId: string;
  marketSymbol: string;
  traceparent?: string;
  body: CommandBody;
}

export type DbOrderStatus =
  | 'ACCEPTED'
  | 'PENDING_TRIGGER'
  | 'NEW'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'CANCELED'
  | 'REJECTED'
  | 'EXPIRED';

export interface FillView {
  tradeSeq: string;
  price: string;
  quantity: string;
  quoteQuantity: string;
  fee: string;
  feeAsset: string;
  liquidity: 'MAKER' | 'TAKER';
}

export interface OrderStateView {
  id: string;
  userId: string;
  marketSymbol: string;
  side: OrderSide;
  status: DbOrderStatus;
  filledQuantity: string;
  filledQuoteQuantity: string;
  holdRemaining: string;
  rejectReason?: string;
  /** Engine sequence of its place in the book (absent before the engine accepted it). */
  engineSeq?: string;
  /** The committed row's updatedAt (absent when this answer did not change the order). */
  updatedAt?: string;
  /** The rest of the order as stored (absent for orders placed before views carried it). */
  details?: OrderDetails;
}

/** What an order view needs besides its state: enough to answer without a database read. */
export interface OrderDetails {
  clientOrderId: string | null;
  type: OrderType;
  timeInForce: TimeInForce;
  postOnly: boolean;
  selfTradePrevention: SelfTradePrevention;
  /** Price and quantity change on amend; the others never change. */
  price: string | null;
  quantity: string | null;
  stopPrice: string | null;
  quoteQuantity: string | null;
  displayQuantity: string | null;
  holdAsset: string;
  createdAt: string;
}

/** The engine's answer to a command, sent after its batch is committed. */
export interface CommandReply {
  commandId: string;
  /** `rejected`: the command had no effect (cancel of an unknown order, invalid order…). */
  outcome: 'placed' | 'cancelled' | 'amended' | 'rejected';
  reason?: string;
  order?: OrderStateView;
  /** CANCEL_ALL: ids of the orders it cancelled. */
  cancelledOrderIds?: string[];
  /** Fills of this order produced by this command (immediate matching). */
  fills: FillView[];
  /** Last engine sequence of the command's effects. */
  seq: string;
}
