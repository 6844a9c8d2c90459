import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Asset } from './Asset.ts';
import { Fill } from './Fill.ts';
import { Market } from './Market.ts';
import { Mutation } from './Mutation.ts';
import { Order } from './Order.ts';
import { Position } from './Position.ts';
import { Query } from './Query.ts';
import { Subscription } from './Subscription.ts';
import { User } from './User.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  Subscription,
  Market,
  Asset,
  Order,
  Fill,
  Position,
  User,
};
