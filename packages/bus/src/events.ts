// The JSON payloads of the pub/sub channels (`channels.*`), defined once for the engine
// that publishes them and every consumer (subscriptions, replicas). Decimals are exact
// strings, timestamps ISO-8601 strings, engine sequences numbers.

/** `trades:<market>`: one message per trade, after its batch committed. */
export interface TradeEvent {
  marketSymbol: string;
  id: string;
  seq: number;
  price: string;
  quantity: string;
  quoteQuantity: string;
  takerSide: 'BUY' | 'SELL';
  executedAt: string;
}

/** A price level's absolute new state; quantity "0" = the level is gone. */
export interface BookLevelEvent {
  price: string;
  quantity: string;
  orderCount: number;
}

/**
 * `book:<market>`: one message per committed batch, covering engine sequences
 * (prevSeq, seq]; consecutive messages chain without gaps. Only changed levels.
 */
export interface BookDeltaEvent {
  marketSymbol: string;
  prevSeq: number;
  seq: number;
  bids: BookLevelEvent[];
  asks: BookLevelEvent[];
}

/** Request queue answering a market's committed book (`BookSnapshot`); only its owner serves. */
export const bookSnapshotQueue = (market: string) => `engine-book:${market}`;

/** The engine's answer on `bookSnapshotQueue(market)`: the whole committed book at `seq`. */
export interface BookSnapshot {
  marketSymbol: string;
  seq: number;
  /** Best first. */
  bids: BookLevelEvent[];
  asks: BookLevelEvent[];
}

/** `ticker:<market>`: the rolling 24 h statistics after a batch with trades. */
export interface TickerEvent {
  marketSymbol: string;
  lastPrice: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  tradeCount: number;
  priceChange: string | null;
  windowStart: string;
}

/** `candles:<market>:<interval>`: a touched candle, as committed (absolute values). */
export interface CandleEvent {
  marketSymbol: string;
  interval: string;
  openTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  tradeCount: number;
}

// `orders:<userId>`: the engine's OrderStateView (@flowex/engine, intake/protocol.ts).

/** `balances:<userId>`: a balance after a change (engine settlement or wallet). */
export interface BalanceEvent {
  userId: string;
  asset: string;
  available: string;
  locked: string;
}
