import type { QueryResolvers } from '../__generated__/resolvers.ts';
import { recentTrades } from '../domain/trades.ts';

export const Query: QueryResolvers = {
  recentTrades: (_parent, { market, limit }, { db }) => recentTrades(db, market, limit ?? 50),
};
