import type { OrderResolvers } from '../__generated__/resolvers.ts';
import { fillsOfOrder } from '../data/orders.ts';
import { averagePrice, publicStatus, remainingQuantity } from '../domain/orders.ts';
import { marketOf } from './loaders.ts';

export const Order: OrderResolvers = {
  id: (o) => o.id.toString(),
  market: (o, _args, ctx) => marketOf(ctx, o.marketSymbol),
  status: (o) => publicStatus(o.status),
  remainingQuantity: (o) => remainingQuantity(o),
  averagePrice: (o) => averagePrice(o),
  fills: (o, _args, { db }) => fillsOfOrder(db, o.id),
};
