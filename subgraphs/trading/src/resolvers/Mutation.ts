import { requireIdentity, requireRole } from '@flowex/server';
import type { MutationResolvers } from '../__generated__/resolvers.ts';
import * as markets from '../domain/markets.ts';
import * as trading from '../domain/trading.ts';

export const Mutation: MutationResolvers = {
  createMarket: (_parent, { input }, ctx) =>
    markets.createMarket(ctx.db, requireRole(ctx, 'ADMIN'), input, ctx.ip),
  setMarketStatus: (_parent, { market, status }, ctx) =>
    markets.setMarketStatus(ctx.db, requireRole(ctx, 'ADMIN'), market, status, ctx.ip),
  placeOrder: (_parent, { input }, ctx) =>
    trading.placeOrder(ctx.db, ctx.bus, requireIdentity(ctx), input, ctx.trace),
  amendOrder: (_parent, args, ctx) =>
    trading.amendOrder(ctx.db, ctx.bus, requireIdentity(ctx), args, ctx.trace),
  cancelOrder: (_parent, { id }, ctx) =>
    trading.cancelOrder(ctx.db, ctx.bus, requireIdentity(ctx), id, ctx.trace),
  cancelAllOrders: (_parent, { market }, ctx) =>
    trading.cancelAllOrders(ctx.db, ctx.bus, requireIdentity(ctx), market, ctx.trace),
};
