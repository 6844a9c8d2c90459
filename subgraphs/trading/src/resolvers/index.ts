import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Asset } from './Asset.ts';
import { Market } from './Market.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';

export const resolvers: Resolvers = { ...scalarResolvers, Query, Mutation, Market, Asset };
