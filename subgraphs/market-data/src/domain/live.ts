// Live market data for the subscriptions. Trades, tickers and candles come straight from
// the engine's channels (published after commit) through `iterate` from @flowex/bus; the
// order book from the replica (snapshot, then the changes of the subscriber's top levels).
//
// Why `iterate` over the platform's Bus rather than graphql-redis-subscriptions' RedisPubSub:
// the channels are the same (`channels.*`) and so is the wire format (JSON.stringify on
// Redis pub/sub, what RedisPubSub publishes and parses), but the Bus is the one abstraction
// that works in both modes — RedisBus over Redis, MemoryBus in embedded mode, where the
// engine publishes in-process and a RedisPubSub (or a separate graphql-subscriptions
// PubSub) would never see its events. It also multiplexes every channel over the service's
// one subscriber connection and unsubscribes when the client goes, like RedisPubSub's
// asyncIterableIterator.
import {
  type Bus,
  type CandleEvent,
  channels,
  iterate,
  type TickerEvent,
  type TradeEvent,
} from '@flowex/bus';
import { type CandleInterval, type Db, Prisma } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import type { CandleRow } from '../data/candles.ts';
import { marketExists } from '../data/markets.ts';
import { loadTickers, type TickerRow } from '../data/tickers.ts';
import type { TradeRow } from '../data/trades.ts';
import { type BookReplicas, type BookView, DepthView, type Level } from './book.ts';

export const MAX_DEPTH = 1000;

export interface BookUpdate {
  market: string;
  snapshot: boolean;
  sequence: string;
  previousSequence: string | null;
  bids: Level[];
  asks: Level[];
}

export interface LiveSources {
  db: Db;
  bus: Bus;
  books: BookReplicas;
}

export const normalise = (symbol: string) => symbol.trim().toUpperCase();

async function knownMarket(db: Db, market: string): Promise<string> {
  const symbol = normalise(market);
  if (!(await marketExists(db, symbol))) {
    throw new DomainError(ErrorCode.NOT_FOUND, `Market ${market} not found`, { field: 'market' });
  }
  return symbol;
}

function checkDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `depth must be between 1 and ${MAX_DEPTH}`, {
      field: 'depth',
    });
  }
  return depth;
}

/** Waits for the market's replica; an engine that does not answer is an internal error. */
async function readyReplica(s: LiveSources, symbol: string) {
  const replica = s.books.get(symbol);
  try {
    await replica.ready();
  } catch {
    throw new DomainError(
      ErrorCode.INTERNAL_SERVER_ERROR,
      `The order book of ${symbol} is unavailable; try again`,
    );
  }
  return replica;
}

/** The exact book (top `depth` levels per side) at the replica's sequence. */
export async function orderBook(s: LiveSources, market: string, depth: number): Promise<BookView> {
  checkDepth(depth);
  const symbol = await knownMarket(s.db, market);
  return (await readyReplica(s, symbol)).top(depth);
}

export async function tradeStream(s: LiveSources, market: string) {
  const symbol = await knownMarket(s.db, market);
  return iterate(s.bus, channels.trades(symbol), (p): TradeRow => {
    const t = p as TradeEvent;
    return {
      id: t.id,
      marketSymbol: t.marketSymbol,
      price: t.price,
      quantity: t.quantity,
      quoteQuantity: t.quoteQuantity,
      takerSide: t.takerSide,
      executedAt: new Date(t.executedAt),
    };
  });
}

export async function candleStream(s: LiveSources, market: string, interval: CandleInterval) {
  const symbol = await knownMarket(s.db, market);
  return iterate(s.bus, channels.candles(symbol, interval), (p): CandleRow => {
    const c = p as CandleEvent;
    return {
      marketSymbol: c.marketSymbol,
      interval: c.interval as CandleInterval,
      openTime: new Date(c.openTime),
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
      quoteVolume: c.quoteVolume,
      tradeCount: c.tradeCount,
    };
  });
}

/** A push-fed async iterator (what subscription resolvers return). */
function pushIterator<T>(onClose: () => void) {
  const queue: T[] = [];
  let wake: ((r: IteratorResult<T>) => void) | null = null;
  let done = false;
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      onClose();
    }
    wake?.({ value: undefined, done: true });
    wake = null;
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
    return: finish,
    throw: async (error?: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  const push = (value: T) => {
    if (done) return;
    if (wake) {
      const w = wake;
      wake = null;
      w({ value, done: false });
    } else queue.push(value);
  };
  return { iterator, push };
}

/**
 * The subscriber's top `depth` levels: a snapshot, then one event per engine batch that
 * changed the book, listing the levels of the view that changed. After a replica resync
 * (gap upstream) a new snapshot event follows, still chained by previousSequence.
 */
export async function orderBookStream(s: LiveSources, market: string, depth: number) {
  checkDepth(depth);
  const symbol = await knownMarket(s.db, market);
  const replica = await readyReplica(s, symbol);
  const view = new DepthView(replica, depth);
  let last: string | null = null;
  const event = (snapshot: boolean, sequence: string, levels: { bids: Level[]; asks: Level[] }) => {
    const e: BookUpdate = {
      market: symbol,
      snapshot,
      sequence,
      previousSequence: last,
      bids: levels.bids,
      asks: levels.asks,
    };
    last = sequence;
    return e;
  };
  // Listen and take the snapshot in one synchronous step: nothing falls between them.
  const { iterator, push } = pushIterator<BookUpdate>(() => unlisten());
  const unlisten = replica.listen((ev) => {
    if (ev.kind === 'reset') {
      const snap = view.snapshot();
      push(event(true, snap.sequence, snap));
    } else {
      push(event(false, String(ev.seq), view.changes()));
    }
  });
  const snap = view.snapshot();
  push(event(true, snap.sequence, snap));
  return iterator;
}

const decimal = (v: string | null) => (v === null ? null : new Prisma.Decimal(v));

/**
 * The ticker after every batch with trades (the engine's rolling 24 h statistics) and
 * every change of the best bid or ask (the book replica), starting from the committed
 * state at subscription time.
 */
export async function tickerStream(s: LiveSources, market: string) {
  const symbol = await knownMarket(s.db, market);
  const [base] = await loadTickers(s.db, [symbol], new Date());
  if (!base) throw new DomainError(ErrorCode.NOT_FOUND, `Market ${market} not found`);
  let current: TickerRow = base;
  const unsubscribes: (() => unknown)[] = [];
  const { iterator, push } = pushIterator<TickerRow>(() => {
    for (const u of unsubscribes) void u();
  });
  unsubscribes.push(
    await s.bus.subscribe(channels.ticker(symbol), (p) => {
      const t = p as TickerEvent;
      current = {
        ...current,
        lastPrice: decimal(t.lastPrice),
        open24h: decimal(t.open),
        high24h: decimal(t.high),
        low24h: decimal(t.low),
        volume24h: new Prisma.Decimal(t.volume),
        quoteVolume24h: new Prisma.Decimal(t.quoteVolume),
        tradeCount24h: t.tradeCount,
        updatedAt: new Date(),
      };
      push(current);
    }),
  );
  // Best bid/ask from the exact replica when the engine answers; without it the ticker
  // still follows trades.
  const replica = s.books.get(symbol);
  const top = () => {
    const v = replica.top(1);
    return {
      bestBid: decimal(v.bids[0]?.price ?? null),
      bestAsk: decimal(v.asks[0]?.price ?? null),
    };
  };
  const same = (a: Prisma.Decimal | null, b: Prisma.Decimal | null) =>
    a === null || b === null ? a === b : a.eq(b);
  const ready = await replica.ready().then(
    () => true,
    () => false,
  );
  if (ready) {
    current = { ...current, ...top() };
    unsubscribes.push(
      replica.listen(() => {
        const t = top();
        if (same(t.bestBid, current.bestBid) && same(t.bestAsk, current.bestAsk)) return;
        current = { ...current, ...t, updatedAt: new Date() };
        push(current);
      }),
    );
  }
  return iterator;
}
