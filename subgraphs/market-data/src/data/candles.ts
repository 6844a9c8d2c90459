import type { CandleInterval, Db, Prisma } from '@flowex/db';

/** A candle: a row, or a `CandleEvent` from the engine. */
export interface CandleRow {
  marketSymbol: string;
  interval: CandleInterval;
  openTime: Date;
  open: Prisma.Decimal | string;
  high: Prisma.Decimal | string;
  low: Prisma.Decimal | string;
  close: Prisma.Decimal | string;
  volume: Prisma.Decimal | string;
  quoteVolume: Prisma.Decimal | string;
  tradeCount: number;
}

export function findCandles(
  db: Db,
  query: {
    market: string;
    interval: CandleInterval;
    from: Date | null;
    to: Date | null;
    limit: number;
  },
): Promise<CandleRow[]> {
  const openTime = {
    ...(query.from ? { gte: query.from } : {}),
    ...(query.to ? { lte: query.to } : {}),
  };
  // Without `from`, the latest `limit` candles; returned oldest first either way.
  const newestFirst = !query.from;
  return db.candle
    .findMany({
      where: { marketSymbol: query.market, interval: query.interval, openTime },
      orderBy: { openTime: newestFirst ? 'desc' : 'asc' },
      take: query.limit,
    })
    .then((rows) => (newestFirst ? rows.reverse() : rows));
}
