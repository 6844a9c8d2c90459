import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Query } from './Query.ts';
import { Trade } from './Trade.ts';

export const resolvers: Resolvers = { ...scalarResolvers, Query, Trade };
