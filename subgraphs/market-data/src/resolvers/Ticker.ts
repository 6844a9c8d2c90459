import type { TickerResolvers } from '../__generated__/resolvers.ts';
import { priceChange } from '../domain/market-data.ts';

export const Ticker: TickerResolvers = {
  priceChange24h: (row) => priceChange(row).change,
  priceChangePercent24h: (row) => priceChange(row).percent,
};
