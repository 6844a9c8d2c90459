import type { MarketResolvers } from '../__generated__/resolvers.ts';
import { orderBook } from '../domain/live.ts';
import { ticker } from '../domain/market-data.ts';

export const Market: MarketResolvers = {
  __resolveReference: (ref) => ({ symbol: ref.symbol }),
  ticker: (market, _args, { db }) => ticker(db, market.symbol),
  orderBook: (market, { depth }, ctx) => orderBook(ctx, market.symbol, depth ?? 20),
};
