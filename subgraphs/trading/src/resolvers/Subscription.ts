import type { OrderStateView } from '@flowex/engine';
import { requireIdentity } from '@flowex/server';
import type { SubscriptionResolvers } from '../__generated__/resolvers.ts';
import type { Context } from '../context.ts';
import * as trading from '../domain/trading.ts';

export const Subscription: SubscriptionResolvers = {
  myOrders: {
    subscribe: (_parent, _args, ctx: Context) =>
      trading.myOrderChanges(ctx.bus, requireIdentity(ctx)),
    resolve: (view: OrderStateView, _args: unknown, ctx: Context) =>
      trading.changedOrder(ctx.db, requireIdentity(ctx), view),
  },
};
