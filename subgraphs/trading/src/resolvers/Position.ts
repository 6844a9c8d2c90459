import type { PositionResolvers } from '../__generated__/resolvers.ts';
import { marketOf } from './loaders.ts';

export const Position: PositionResolvers = {
  market: (p, _args, ctx) => marketOf(ctx, p.market),
};
