import { requireIdentity } from '@flowex/server';
import type { UserResolvers } from '../__generated__/resolvers.ts';
import { openOrders } from '../domain/orders.ts';

export const User: UserResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  openOrders: (user, { market }, ctx) => openOrders(ctx.db, requireIdentity(ctx), user.id, market),
};
