import { requireIdentity, requireRole } from '@flowex/server';
import type { MutationResolvers } from '../__generated__/resolvers.ts';
import * as wallet from '../domain/wallet.ts';

export const Mutation: MutationResolvers = {
  deposit: (_p, args, ctx) => wallet.deposit(ctx.services, requireIdentity(ctx), args),
  requestWithdrawal: (_p, args, ctx) =>
    wallet.requestWithdrawal(ctx.services, requireIdentity(ctx), args),
  cancelWithdrawal: (_p, { id }, ctx) =>
    wallet.cancelWithdrawal(ctx.services, requireIdentity(ctx), id),
  confirmDeposit: (_p, { id }, ctx) =>
    wallet.confirmDeposit(ctx.services, requireRole(ctx, 'ADMIN'), id),
  approveWithdrawal: (_p, { id }, ctx) =>
    wallet.approveWithdrawal(ctx.services, requireRole(ctx, 'ADMIN'), id),
  rejectWithdrawal: (_p, { id, reason }, ctx) =>
    wallet.rejectWithdrawal(ctx.services, requireRole(ctx, 'ADMIN'), id, reason),
};
