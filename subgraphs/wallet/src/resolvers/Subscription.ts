import { requireIdentity } from '@flowex/server';
import type { SubscriptionResolvers } from '../__generated__/resolvers.ts';
import type { BalanceView } from '../data/balances.ts';

export const Subscription: SubscriptionResolvers = {
  myBalances: {
    subscribe: (_p, _a, ctx) => ctx.services.publisher.subscribe(requireIdentity(ctx).userId),
    resolve: (balance: BalanceView) => balance,
  },
};
