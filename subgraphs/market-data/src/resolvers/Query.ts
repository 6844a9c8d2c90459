import type { QueryResolvers } from '../__generated__/resolvers.ts';
import { orderBook } from '../domain/live.ts';
import * as marketData from '../domain/market-data.ts';
import { recentTrades } from '../domain/trades.ts';

export const Query: QueryResolvers = {
  orderBook: (_parent, { market, depth }, ctx) => orderBook(ctx, market, depth ?? 20),
  recentTrades: (_parent, { market, limit }, { db }) => recentTrades(db, market, limit ?? 50),
  tickers: (_parent, _args, { db }) => marketData.tickers(db),
  ticker: (_parent, { market }, { db }) => marketData.ticker(db, market),
  candles: (_parent, args, { db }) => marketData.candles(db, args),
};
