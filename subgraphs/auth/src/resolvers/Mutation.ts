import { optionalIdentity, requireIdentity } from '@flowex/server';
import type { MutationResolvers } from '../__generated__/resolvers.ts';
import * as auth from '../domain/auth.ts';
import * as twoFactor from '../domain/two-factor.ts';

export const Mutation: MutationResolvers = {
  register: (_p, { input }, ctx) => auth.register(ctx.services, input, ctx),
  login: (_p, args, ctx) => auth.login(ctx.services, args, ctx),
  refreshToken: (_p, { refreshToken }, ctx) => auth.refresh(ctx.services, refreshToken, ctx),
  logout: (_p, { refreshToken }, ctx) =>
    auth.logout(ctx.services, refreshToken, optionalIdentity(ctx), ctx),
  changePassword: (_p, args, ctx) =>
    auth.changePassword(ctx.services, requireIdentity(ctx), args, ctx),
  updateProfile: (_p, args, ctx) =>
    auth.updateProfile(ctx.services, requireIdentity(ctx), args, ctx),
  setupTwoFactor: (_p, _args, ctx) => twoFactor.setup(ctx.services, requireIdentity(ctx), ctx),
  enableTwoFactor: (_p, { code }, ctx) =>
    twoFactor.enable(ctx.services, requireIdentity(ctx), code, ctx),
  disableTwoFactor: (_p, { code }, ctx) =>
    twoFactor.disable(ctx.services, requireIdentity(ctx), code, ctx),
};
