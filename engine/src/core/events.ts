import {
  COMMAND_NAMES,
  type CommandName,
  EVENT_STRIDE,
  EventType,
  EXPIRE_REASONS,
  type ExpireReason,
  ORDER_TYPE_NAMES,
  type OrderStatusName,
  type OrderTypeName,
  REJECT_REASONS,
  type RejectReason,
  SIDE_NAMES,
  type SideName,
  STATUS_NAMES,
  STP_NAMES,
  type StpModeName,
  TIF_NAMES,
  type TimeInForceName,
} from './constants.ts';

export interface AcceptedEvent {
  seq: number;
  type: 'ACCEPTED';
  orderId: number;
  userId: number;
  side: SideName;
  orderType: OrderTypeName;
  timeInForce: TimeInForceName;
  price: number;
  quantity: number;
  /** Only for quote-amount MARKET BUY orders (bigint: stringify it for JSON). */
  quoteQuantity?: bigint;
  stopPrice: number;
  displayQuantity: number;
  postOnly: boolean;
  stp: StpModeName;
}
export interface RejectedEvent {
  seq: number;
  type: 'REJECTED';
  command: CommandName;
  orderId: number;
  userId: number;
  reason: RejectReason;
}
export interface TradeEvent {
  seq: number;
  type: 'TRADE';
  price: number;
  quantity: number;
  takerSide: SideName;
  makerOrderId: number;
  makerUserId: number;
  takerOrderId: number;
  takerUserId: number;
}
export interface OrderUpdatedEvent {
  seq: number;
  type: 'ORDER_UPDATED';
  orderId: number;
  userId: number;
  side: SideName;
  status: OrderStatusName;
  price: number;
  quantity: number;
  filled: number;
  remaining: number;
  visible: number;
}
export interface ExpiredEvent {
  seq: number;
  type: 'EXPIRED';
  orderId: number;
  userId: number;
  side: SideName;
  reason: ExpireReason;
  price: number;
  quantity: number;
  filled: number;
  remaining: number;
}
export interface StopTriggeredEvent {
  seq: number;
  type: 'STOP_TRIGGERED';
  orderId: number;
  userId: number;
  side: SideName;
  stopPrice: number;
  lastPrice: number;
}
export interface BookLevelEvent {
  seq: number;
  type: 'BOOK_LEVEL';
  side: SideName;
  price: number;
  /** Visible total at the level; 0 with orderCount 0 = level removed. */
  quantity: number;
  orderCount: number;
}
export type EngineEvent =
  | AcceptedEvent
  | RejectedEvent
  | TradeEvent
  | OrderUpdatedEvent
  | ExpiredEvent
  | StopTriggeredEvent
  | BookLevelEvent;

/**
 * Decode `count` events of the fast buffer into plain objects. All numbers are exact safe
 * integers; the only bigint is `quoteQuantity` of an ACCEPTED quote-amount market order, so
 * `JSON.stringify(events, (_k, v) => typeof v === 'bigint' ? v.toString() : v)` is lossless.
 */
export function decodeEvents(
  buf: Float64Array,
  count: number,
  quoteAux?: ReadonlyMap<number, bigint>,
): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (let i = 0; i < count; i++) {
    const b = i * EVENT_STRIDE;
    // Field k of the event is buf[at + k] (no closure per event: under tsx every named
    // closure also costs an esbuild __name call, 5 % of the engine thread).
    const at = b + 2;
    const seq = buf[b + 1]!;
    switch (buf[b]) {
      case EventType.ACCEPTED: {
        const flags = buf[at + 9]!;
        const ev: AcceptedEvent = {
          seq,
          type: 'ACCEPTED',
          orderId: buf[at]!,
          userId: buf[at + 1]!,
          side: SIDE_NAMES[buf[at + 2]!]!,
          orderType: ORDER_TYPE_NAMES[buf[at + 3]!]!,
          timeInForce: TIF_NAMES[buf[at + 4]!]!,
          price: buf[at + 5]!,
          quantity: buf[at + 6]!,
          stopPrice: buf[at + 7]!,
          displayQuantity: buf[at + 8]!,
          postOnly: (flags & 1) !== 0,
          stp: STP_NAMES[(flags >> 1) & 3]!,
        };
        if (flags & 8) {
          const q = quoteAux?.get(seq);
          if (q !== undefined) ev.quoteQuantity = q;
        }
        out.push(ev);
        break;
      }
      case EventType.REJECTED:
        out.push({
          seq,
          type: 'REJECTED',
          command: COMMAND_NAMES[buf[at + 2]!]!,
          orderId: buf[at]!,
          userId: buf[at + 1]!,
          reason: REJECT_REASONS[buf[at + 3]!]!,
        });
        break;
      case EventType.TRADE:
        out.push({
          seq,
          type: 'TRADE',
          price: buf[at + 4]!,
          quantity: buf[at + 5]!,
          takerSide: SIDE_NAMES[buf[at + 6]!]!,
          makerOrderId: buf[at]!,
          makerUserId: buf[at + 1]!,
          takerOrderId: buf[at + 2]!,
          takerUserId: buf[at + 3]!,
        });
        break;
      case EventType.ORDER_UPDATED:
        out.push({
          seq,
          type: 'ORDER_UPDATED',
          orderId: buf[at]!,
          userId: buf[at + 1]!,
          side: SIDE_NAMES[buf[at + 2]!]!,
          status: STATUS_NAMES[buf[at + 3]!]!,
          price: buf[at + 4]!,
          quantity: buf[at + 5]!,
          filled: buf[at + 6]!,
          remaining: buf[at + 7]!,
          visible: buf[at + 8]!,
        });
        break;
      case EventType.EXPIRED:
        out.push({
          seq,
          type: 'EXPIRED',
          orderId: buf[at]!,
          userId: buf[at + 1]!,
          side: SIDE_NAMES[buf[at + 2]!]!,
          reason: EXPIRE_REASONS[buf[at + 3]!]!,
          price: buf[at + 4]!,
          quantity: buf[at + 5]!,
          filled: buf[at + 6]!,
          remaining: buf[at + 7]!,
        });
        break;
      case EventType.STOP_TRIGGERED:
        out.push({
          seq,
          type: 'STOP_TRIGGERED',
          orderId: buf[at]!,
          userId: buf[at + 1]!,
          side: SIDE_NAMES[buf[at + 2]!]!,
          stopPrice: buf[at + 3]!,
          lastPrice: buf[at + 4]!,
        });
        break;
      case EventType.BOOK_LEVEL:
        out.push({
          seq,
          type: 'BOOK_LEVEL',
          side: SIDE_NAMES[buf[at]!]!,
          price: buf[at + 1]!,
          quantity: buf[at + 2]!,
          orderCount: buf[at + 3]!,
        });
        break;
      default:
        throw new Error(`corrupt event buffer at ${i}`);
    }
  }
  return out;
}

/** JSON with bigints as decimal strings. */
export function eventsToJson(events: readonly EngineEvent[]): string {
  return JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
