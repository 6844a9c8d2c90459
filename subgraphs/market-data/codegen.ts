import { subgraphCodegen } from '@flowex/schema/codegen';

export default subgraphCodegen({
  Trade: '../data/trades.ts#TradeRow',
  Ticker: '../data/tickers.ts#TickerRow',
  Candle: '../data/candles.ts#CandleRow',
  Market: '../data/tickers.ts#MarketRef',
  OrderBook: '../domain/book.ts#BookView',
  PriceLevel: '../domain/book.ts#Level',
  OrderBookUpdate: '../domain/live.ts#BookUpdate',
});
