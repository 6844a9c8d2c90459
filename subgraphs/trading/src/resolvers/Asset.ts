import type { AssetResolvers } from '../__generated__/resolvers.ts';
import * as reference from '../domain/reference.ts';

export const Asset: AssetResolvers = {
  __resolveReference: (ref, { db }) => reference.asset(db, ref.code),
};
