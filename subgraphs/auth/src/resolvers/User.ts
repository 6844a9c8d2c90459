import { optionalIdentity } from '@flowex/server';
import type { UserResolvers } from '../__generated__/resolvers.ts';
import { userById } from '../domain/users.ts';

export const User: UserResolvers = {
  // Only the account itself or an ADMIN sees a user; other references resolve to null.
  __resolveReference: (ref, ctx) => {
    const identity = optionalIdentity(ctx);
    if (!identity || (identity.userId !== ref.id && !identity.roles.includes('ADMIN'))) {
      return null;
    }
    return userById(ctx.db, ref.id);
  },
};
