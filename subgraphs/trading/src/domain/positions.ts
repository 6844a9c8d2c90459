// Positions from the user's own fills, replayed in order: average entry price (fees
// included in the cost basis), realised PnL on sells, unrealised at the last price.
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

export function computePositions(
  fills: FillLike[],
  markPrices: Map<string, Decimal | null>,
): PositionView[] {
  const books = new Map<string, { quantity: Decimal; cost: Decimal; realized: Decimal }>();
  for (const fill of fills) {
    const book = books.get(fill.marketSymbol) ?? { quantity: ZERO, cost: ZERO, realized: ZERO };
    books.set(fill.marketSymbol, book);
    const notional = fill.price.mul(fill.quantity);
    if (fill.side === 'BUY') {
      // The buyer's fee is taken from the base received.
      book.quantity = book.quantity.plus(fill.quantity).minus(fill.fee);
      book.cost = book.cost.plus(notional);
      continue;
    }
    const sold = Prisma.Decimal.min(fill.quantity, book.quantity);
    if (sold.isZero()) continue;
    const average = book.cost.div(book.quantity);
    const share = sold.div(fill.quantity); // the seller's fee is in quote, pro rata
    book.realized = book.realized
      .plus(fill.price.minus(average).mul(sold))
      .minus(fill.fee.mul(share));
    book.cost = book.cost.minus(average.mul(sold));
    book.quantity = book.quantity.minus(sold);
  }
  return [...books.entries()]
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
