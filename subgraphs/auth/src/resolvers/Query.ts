import { optionalIdentity } from '@flowex/server';
import type { QueryResolvers } from '../__generated__/resolvers.ts';
import { userById } from '../domain/users.ts';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => {
    const identity = optionalIdentity(ctx);
    return identity ? userById(ctx.db, identity.userId) : null;
  },
};
