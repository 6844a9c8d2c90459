// Positions from the user's own fills, replayed in settlement order: average entry price
// (fees included in the cost basis), realised PnL on sells, unrealised at the last price.
// The fold is resumable: a stored state plus the fills after it gives what the whole
// history gives (the positions query keeps such states, PositionSnapshot).
// Spot only: base that did not come through the market (a deposit) has no cost basis,
// so selling it moves neither the position nor the PnL.
import { Prisma } from '@flowex/db';

type Decimal = Prisma.Decimal;
const ZERO = new Prisma.Decimal(0);

export interface FillLike {
  marketSymbol: string;
  side: 'BUY' | 'SELL';
  price: Decimal;
  quantity: Decimal;
  fee: Decimal;
}

export interface PositionView {
  market: string;
  quantity: Decimal;
  averageEntryPrice: Decimal | null;
  markPrice: Decimal | null;
  unrealizedPnl: Decimal | null;
  realizedPnl: Decimal;
}

/** The average-cost fold's state in one market. */
export interface PositionState {
  quantity: Decimal;
  cost: Decimal;
  realized: Decimal;
}

export const EMPTY_POSITION: PositionState = { quantity: ZERO, cost: ZERO, realized: ZERO };

/** The state after one more fill (fills of one market, in settlement order). */
export function foldFill(state: PositionState, fill: FillLike): PositionState {
  const notional = fill.price.mul(fill.quantity);
  if (fill.side === 'BUY') {
    // The buyer's fee is taken from the base received.
    return {
      quantity: state.quantity.plus(fill.quantity).minus(fill.fee),
      cost: state.cost.plus(notional),
      realized: state.realized,
    };
  }
  const sold = Prisma.Decimal.min(fill.quantity, state.quantity);
  if (sold.isZero()) return state;
  const average = state.cost.div(state.quantity);
  const share = sold.div(fill.quantity); // the seller's fee is in quote, pro rata
  return {
    quantity: state.quantity.minus(sold),
    cost: state.cost.minus(average.mul(sold)),
    realized: state.realized.plus(fill.price.minus(average).mul(sold)).minus(fill.fee.mul(share)),
  };
}

/**
 * Folds fills (in settlement order) onto the states they start from (`from`, by market;
 * absent = empty) and returns every market's state.
 */
export function foldPositions(
  fills: Iterable<FillLike>,
  from: ReadonlyMap<string, PositionState> = new Map(),
): Map<string, PositionState> {
  const states = new Map(from);
  for (const fill of fills) {
    states.set(fill.marketSymbol, foldFill(states.get(fill.marketSymbol) ?? EMPTY_POSITION, fill));
  }
  return states;
}

/** What the API shows of each state, marked to the market's last price; sorted by market. */
export function positionViews(
  states: ReadonlyMap<string, PositionState>,
  markPrices: Map<string, Decimal | null>,
): PositionView[] {
  return [...states.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([market, book]) => {
      const average = book.quantity.gt(0) ? book.cost.div(book.quantity).toDecimalPlaces(18) : null;
      const mark = markPrices.get(market) ?? null;
      return {
        market,
        quantity: book.quantity,
        averageEntryPrice: average,
        markPrice: mark,
        unrealizedPnl:
          average && mark ? mark.minus(average).mul(book.quantity).toDecimalPlaces(18) : null,
        realizedPnl: book.realized.toDecimalPlaces(18),
      };
    });
}

/** Positions from a user's whole fill history (in settlement order). */
export function computePositions(
  fills: FillLike[],
  markPrices: Map<string, Decimal | null>,
): PositionView[] {
  return positionViews(foldPositions(fills), markPrices);
}
