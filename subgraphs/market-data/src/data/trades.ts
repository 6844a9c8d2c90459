import type { Db, OrderSide, Prisma } from '@flowex/db';

/** A committed trade: a row, or a `TradeEvent` from the engine. */
export interface TradeRow {
  id: bigint | string;
  marketSymbol: string;
  price: Prisma.Decimal | string;
  quantity: Prisma.Decimal | string;
  quoteQuantity: Prisma.Decimal | string;
  takerSide: OrderSide;
  executedAt: Date;
}

export function latestTrades(db: Db, marketSymbol: string, limit: number): Promise<TradeRow[]> {
  return db.trade.findMany({
    where: { marketSymbol },
    orderBy: { engineSeq: 'desc' },
    take: limit,
  });
}
