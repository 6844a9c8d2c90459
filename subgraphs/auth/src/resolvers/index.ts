import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';
import { User } from './User.ts';

export const resolvers: Resolvers = { DateTime: scalarResolvers.DateTime, Query, Mutation, User };
