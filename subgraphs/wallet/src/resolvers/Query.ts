import { requireIdentity } from '@flowex/server';
import type { QueryResolvers } from '../__generated__/resolvers.ts';
import * as wallet from '../domain/wallet.ts';

export const Query: QueryResolvers = {
  balances: (_p, _a, ctx) => wallet.balances(ctx.services, requireIdentity(ctx).userId),
  balance: (_p, { asset }, ctx) => wallet.balance(ctx.services, requireIdentity(ctx).userId, asset),
  transactions: (_p, args, ctx) =>
    wallet.transactions(ctx.services, requireIdentity(ctx).userId, args),
  depositAddress: (_p, { asset }, ctx) =>
    wallet.depositAddress(ctx.services, requireIdentity(ctx).userId, asset),
  depositAddresses: (_p, _a, ctx) =>
    wallet.depositAddresses(ctx.services, requireIdentity(ctx).userId),
};
