import type { QueryResolvers } from '../__generated__/resolvers.ts';
import * as reference from '../domain/reference.ts';

export const Query: QueryResolvers = {
  assets: (_parent, _args, { db }) => reference.assets(db),
  markets: (_parent, args, { db }) => reference.markets(db, args),
  market: (_parent, { symbol }, { db }) => reference.market(db, symbol),
};
