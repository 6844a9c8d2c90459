import { requireIdentity } from '@flowex/server';
import type { QueryResolvers } from '../__generated__/resolvers.ts';
import * as orders from '../domain/orders.ts';
import * as reference from '../domain/reference.ts';

export const Query: QueryResolvers = {
  assets: (_parent, _args, { db }) => reference.assets(db),
  markets: (_parent, args, { db }) => reference.markets(db, args),
  market: (_parent, { symbol }, { db }) => reference.market(db, symbol),
  order: (_parent, { id }, ctx) => orders.order(ctx.db, requireIdentity(ctx), id),
  myOrders: (_parent, args, ctx) => orders.myOrders(ctx.db, requireIdentity(ctx), args),
  myFills: (_parent, args, ctx) => orders.myFills(ctx.db, requireIdentity(ctx), args),
  positions: (_parent, _args, ctx) => orders.positions(ctx.db, requireIdentity(ctx)),
};
