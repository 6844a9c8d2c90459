import type { MarketResolvers } from '../__generated__/resolvers.ts';
import * as reference from '../domain/reference.ts';

export const Market: MarketResolvers = {
  __resolveReference: (ref, { db }) => reference.market(db, ref.symbol),
};
