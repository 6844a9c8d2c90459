import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';
import { Subscription } from './Subscription.ts';
import { Balance, DepositAddress, Transaction, User } from './types.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  Subscription,
  Balance,
  Transaction,
  DepositAddress,
  User,
};
