import { scalarResolvers } from '@flowex/schema';
import type { Resolvers } from '../__generated__/resolvers.ts';
import { Candle } from './Candle.ts';
import { Market } from './Market.ts';
import { OrderBook } from './OrderBook.ts';
import { Query } from './Query.ts';
import { Subscription } from './Subscription.ts';
import { Ticker } from './Ticker.ts';
import { Trade } from './Trade.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Subscription,
  Trade,
  Ticker,
  Candle,
  Market,
  OrderBook,
};
