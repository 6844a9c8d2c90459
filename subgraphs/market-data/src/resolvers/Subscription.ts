import type { SubscriptionResolvers } from '../__generated__/resolvers.ts';
import * as live from '../domain/live.ts';

// Each event is the resolved value itself (no wrapping payload object).
const self = <T>(value: T) => value;

export const Subscription: SubscriptionResolvers = {
  trades: { subscribe: (_p, { market }, ctx) => live.tradeStream(ctx, market), resolve: self },
  orderBook: {
    subscribe: (_p, { market, depth }, ctx) => live.orderBookStream(ctx, market, depth ?? 20),
    resolve: self,
  },
  ticker: { subscribe: (_p, { market }, ctx) => live.tickerStream(ctx, market), resolve: self },
  candles: {
    subscribe: (_p, { market, interval }, ctx) => live.candleStream(ctx, market, interval),
    resolve: self,
  },
};
