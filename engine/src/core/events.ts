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
    const f = (k: number) => buf[b + 2 + k]!;
    const seq = buf[b + 1]!;
    switch (buf[b]) {
      case EventType.ACCEPTED: {
        const flags = f(9);
        const ev: AcceptedEvent = {
          seq,
          type: 'ACCEPTED',
          orderId: f(0),
          userId: f(1),
          side: SIDE_NAMES[f(2)]!,
          orderType: ORDER_TYPE_NAMES[f(3)]!,
          timeInForce: TIF_NAMES[f(4)]!,
          price: f(5),
          quantity: f(6),
          stopPrice: f(7),
          displayQuantity: f(8),
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
          command: COMMAND_NAMES[f(2)]!,
          orderId: f(0),
          userId: f(1),
          reason: REJECT_REASONS[f(3)]!,
        });
        break;
      case EventType.TRADE:
        out.push({
          seq,
          type: 'TRADE',
          price: f(4),
          quantity: f(5),
          takerSide: SIDE_NAMES[f(6)]!,
          makerOrderId: f(0),
          makerUserId: f(1),
          takerOrderId: f(2),
          takerUserId: f(3),
        });
        break;
      case EventType.ORDER_UPDATED:
        out.push({
          seq,
          type: 'ORDER_UPDATED',
          orderId: f(0),
          userId: f(1),
          side: SIDE_NAMES[f(2)]!,
          status: STATUS_NAMES[f(3)]!,
          price: f(4),
          quantity: f(5),
          filled: f(6),
          remaining: f(7),
          visible: f(8),
        });
        break;
      case EventType.EXPIRED:
        out.push({
          seq,
          type: 'EXPIRED',
          orderId: f(0),
          userId: f(1),
          side: SIDE_NAMES[f(2)]!,
          reason: EXPIRE_REASONS[f(3)]!,
          price: f(4),
          quantity: f(5),
          filled: f(6),
          remaining: f(7),
        });
        break;
      case EventType.STOP_TRIGGERED:
        out.push({
          seq,
          type: 'STOP_TRIGGERED',
          orderId: f(0),
          userId: f(1),
          side: SIDE_NAMES[f(2)]!,
          stopPrice: f(3),
          lastPrice: f(4),
        });
        break;
      case EventType.BOOK_LEVEL:
        out.push({
          seq,
          type: 'BOOK_LEVEL',
          side: SIDE_NAMES[f(0)]!,
          price: f(1),
          quantity: f(2),
          orderCount: f(3),
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
