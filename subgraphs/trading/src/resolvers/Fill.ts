import type { FillResolvers } from '../__generated__/resolvers.ts';
import { marketOf } from './loaders.ts';

export const Fill: FillResolvers = {
  id: (f) => f.id.toString(),
  tradeId: (f) => f.tradeId.toString(),
  orderId: (f) => f.orderId.toString(),
  market: (f, _args, ctx) => marketOf(ctx, f.marketSymbol),
};
