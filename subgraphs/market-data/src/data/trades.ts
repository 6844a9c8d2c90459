import type { Db, Trade } from '@flowex/db';

export type TradeRow = Trade;

export function latestTrades(db: Db, marketSymbol: string, limit: number): Promise<TradeRow[]> {
  return db.trade.findMany({
    where: { marketSymbol },
    orderBy: { engineSeq: 'desc' },
    take: limit,
  });
}
