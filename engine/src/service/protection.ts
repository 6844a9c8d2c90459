// A stop-market BUY (STOP_LOSS / TAKE_PROFIT by base quantity) triggers into whatever book
// there is then; its hold was computed at intake as quantity × the worst price its
// protection band allows from the stop price. So the engine never spends more than that
// hold, the core runs it as the equivalent stop-limit IOC at that worst price: triggered on
// the same condition, filling up to the same bound, the remainder expiring.
import type { OrderTypeName, TimeInForceName } from '../core/constants.ts';
import type { MarketUnits } from './units.ts';

export interface CoreShape {
  type: OrderTypeName;
  timeInForce: TimeInForceName;
  /** Limit price in ticks (0: the hold cannot buy one lot at one tick). */
  price: number;
}

/** The core shape of a stop-market BUY by quantity, capped by its hold; null otherwise. */
export function stopBuyCap(
  side: 'BUY' | 'SELL',
  type: OrderTypeName,
  hold: bigint,
  lots: number | undefined,
  u: MarketUnits,
): CoreShape | null {
  if (side !== 'BUY' || (type !== 'STOP_LOSS' && type !== 'TAKE_PROFIT') || !lots) return null;
  const ticks = hold / (BigInt(lots) * u.tickLot);
  return {
    type: type === 'STOP_LOSS' ? 'STOP_LOSS_LIMIT' : 'TAKE_PROFIT_LIMIT',
    timeInForce: 'IOC',
    price: ticks > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ticks),
  };
}
