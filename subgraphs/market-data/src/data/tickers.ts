// The 24 h ticker from committed rows and resting orders: one query per market list, exact
// NUMERIC arithmetic in PostgreSQL. The 24 h figures sum the 1m candles settlement keeps —
// at most 1,441 rows a market whatever the trade rate (summing the trades themselves grew
// with the traffic) — over the engine's live ticker's window: from the start of the minute
// 24 h ago, so a query and the `ticker` subscription agree.
import type { Db, Prisma } from '@flowex/db';

export interface MarketRef {
  symbol: string;
}

export interface TickerRow {
  market: string;
  lastPrice: Prisma.Decimal | null;
  bestBid: Prisma.Decimal | null;
  bestAsk: Prisma.Decimal | null;
  open24h: Prisma.Decimal | null;
  high24h: Prisma.Decimal | null;
  low24h: Prisma.Decimal | null;
  volume24h: Prisma.Decimal;
  quoteVolume24h: Prisma.Decimal;
  tradeCount24h: number;
  updatedAt: Date;
}

export async function loadTickers(
  db: Db,
  symbols: string[] | null,
  now: Date,
): Promise<TickerRow[]> {
  const windowStart = new Date(Math.floor((now.getTime() - 86_400_000) / 60_000) * 60_000);
  const rows = await db.$queryRaw<
    (Omit<TickerRow, 'tradeCount24h' | 'updatedAt'> & {
      tradeCount24h: bigint;
      lastTradeAt: Date | null;
    })[]
  >`
    SELECT m."symbol" AS "market",
      last."price" AS "lastPrice",
      last."executedAt" AS "lastTradeAt",
      (SELECT max(o."price") FROM "Order" o
        WHERE o."marketSymbol" = m."symbol" AND o."side" = 'BUY' AND o."price" IS NOT NULL
          AND o."status" IN ('NEW', 'PARTIALLY_FILLED')) AS "bestBid",
      (SELECT min(o."price") FROM "Order" o
        WHERE o."marketSymbol" = m."symbol" AND o."side" = 'SELL' AND o."price" IS NOT NULL
          AND o."status" IN ('NEW', 'PARTIALLY_FILLED')) AS "bestAsk",
      day."open" AS "open24h", day."high" AS "high24h", day."low" AS "low24h",
      COALESCE(day."volume", 0) AS "volume24h",
      COALESCE(day."quoteVolume", 0) AS "quoteVolume24h",
      COALESCE(day."count", 0) AS "tradeCount24h"
    FROM "Market" m
    LEFT JOIN LATERAL (
      SELECT t."price", t."executedAt" FROM "Trade" t
      WHERE t."marketSymbol" = m."symbol" ORDER BY t."engineSeq" DESC LIMIT 1
    ) last ON true
    LEFT JOIN LATERAL (
      SELECT (array_agg(c."open" ORDER BY c."openTime"))[1] AS "open",
        max(c."high") AS "high", min(c."low") AS "low",
        sum(c."volume") AS "volume", sum(c."quoteVolume") AS "quoteVolume",
        sum(c."tradeCount") AS "count"
      FROM "Candle" c
      WHERE c."marketSymbol" = m."symbol" AND c."interval" = 'ONE_MINUTE'
        AND c."openTime" >= ${windowStart}
    ) day ON true
    WHERE ${symbols === null} OR m."symbol" = ANY(${symbols ?? []})
    ORDER BY m."symbol"`;
  return rows.map(({ tradeCount24h, lastTradeAt, ...row }) => ({
    ...row,
    tradeCount24h: Number(tradeCount24h),
    updatedAt: lastTradeAt ?? now,
  }));
}
