import { requireRole } from '@flowex/server';
import type { MutationResolvers } from '../__generated__/resolvers.ts';
import * as markets from '../domain/markets.ts';

export const Mutation: MutationResolvers = {
  createMarket: (_parent, { input }, ctx) =>
    markets.createMarket(ctx.db, requireRole(ctx, 'ADMIN'), input, ctx.ip),
  setMarketStatus: (_parent, { market, status }, ctx) =>
    markets.setMarketStatus(ctx.db, requireRole(ctx, 'ADMIN'), market, status, ctx.ip),
};
