import type { UserResolvers } from '../__generated__/resolvers.ts';
import { userById } from '../domain/users.ts';

export const User: UserResolvers = {
  __resolveReference: (ref, { db }) => userById(db, ref.id),
};
