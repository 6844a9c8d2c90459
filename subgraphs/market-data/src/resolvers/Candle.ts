import type { CandleResolvers } from '../__generated__/resolvers.ts';
import { INTERVAL_MS } from '../domain/market-data.ts';

export const Candle: CandleResolvers = {
  market: (row) => row.marketSymbol,
  closeTime: (row) => new Date(row.openTime.getTime() + INTERVAL_MS[row.interval] - 1),
};
