import { ORDER_TYPE_NAMES, SIDE_NAMES, STP_NAMES, TIF_NAMES } from './constants.ts';
import type { MatchingEngine } from './engine.ts';
import { decodeEvents, type EngineEvent } from './events.ts';
import type { Command, PlaceOrder } from './types.ts';

function code(names: readonly string[], v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const i = names.indexOf(v);
  return i < 0 ? -1 : i;
}

/** Place from the object form (fast engine buffer is filled; read or decode it after). */
export function placeOrder(engine: MatchingEngine, o: PlaceOrder): void {
  const type = code(ORDER_TYPE_NAMES, o.type, 0);
  const market = type === 1 || type === 2 || type === 4;
  engine.place(
    o.orderId,
    o.userId,
    code(SIDE_NAMES, o.side, -1),
    type,
    code(TIF_NAMES, o.timeInForce, market ? 1 : 0),
    o.price ?? 0,
    o.quoteQuantity !== undefined ? (o.quantity ?? 0) : (o.quantity ?? Number.NaN),
    o.stopPrice ?? 0,
    o.displayQuantity ?? 0,
    code(STP_NAMES, o.stp, 0),
    o.postOnly === true,
    o.quoteQuantity ?? null,
  );
}

/** Run one command and return its decoded events. */
export function execute(engine: MatchingEngine, cmd: Command): EngineEvent[] {
  switch (cmd.kind) {
    case 'place':
      placeOrder(engine, cmd);
      break;
    case 'cancel':
      engine.cancel(cmd.orderId, cmd.userId);
      break;
    case 'amend':
      engine.amend(cmd.orderId, cmd.quantity, cmd.price, cmd.userId);
      break;
    case 'cancelAll':
      engine.cancelAll(cmd.userId);
      break;
  }
  return decodeEvents(engine.events, engine.eventCount, engine.quoteAux);
}
