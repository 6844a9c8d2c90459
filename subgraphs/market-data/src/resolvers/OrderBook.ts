import type { OrderBookResolvers } from '../__generated__/resolvers.ts';

export const OrderBook: OrderBookResolvers = {
  market: (book) => ({ symbol: book.symbol }),
};
