import type { TradeResolvers } from '../__generated__/resolvers.ts';

export const Trade: TradeResolvers = {
  id: (trade) => trade.id.toString(),
  market: (trade) => ({ symbol: trade.marketSymbol }),
};
