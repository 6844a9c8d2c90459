import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/__generated__/resolvers.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        useIndexSignature: true,
        contextType: '../context.ts#Context',
        scalars: {
          Decimal: { input: 'string', output: "string | import('@flowex/db').Prisma.Decimal" },
          DateTime: 'Date',
        },
        mappers: {
          Trade: '../data/trades.ts#TradeRow',
          Ticker: '../data/tickers.ts#TickerRow',
          Candle: '../data/candles.ts#CandleRow',
          Market: '../data/tickers.ts#MarketRef',
          OrderBook: '../domain/book.ts#BookView',
          PriceLevel: '../domain/book.ts#Level',
          OrderBookUpdate: '../domain/live.ts#BookUpdate',
        },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
