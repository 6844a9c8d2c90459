import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface BookSide {
  levels: number;
  orders: number;
  /** In base asset units (a float: a monitoring figure, never money). */
  quantity: number;
}

export interface BookSides {
  bids: BookSide;
  asks: BookSide;
}

export class EngineMetrics {
  readonly registry = new Registry();
  readonly commands = new Counter({
    name: 'flowex_engine_commands_total',
    help: 'Engine commands processed, by market and outcome',
    labelNames: ['market', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly trades = new Counter({
    name: 'flowex_engine_trades_total',
    help: 'Trades settled',
    labelNames: ['market'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'flowex_engine_batch_commands',
    help: 'Commands per settlement batch',
    labelNames: ['market'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'flowex_engine_settlement_seconds',
    help: 'Duration of one settlement transaction',
    labelNames: ['market'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly match = new Histogram({
    name: 'flowex_engine_match_seconds',
    help: 'Time to run one command on the matching core',
    labelNames: ['market'] as const,
    buckets: [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2],
    registers: [this.registry],
  });
  readonly settlementLag = new Histogram({
    name: 'flowex_engine_settlement_lag_seconds',
    help: 'From the oldest command of a settlement batch queued at the engine to the batch committed',
    labelNames: ['market'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly lastSeq = new Gauge({
    name: 'flowex_engine_committed_seq',
    help: 'Last committed engine sequence',
    labelNames: ['market'] as const,
    registers: [this.registry],
  });
  /** Each running market's queue, read when scraped (not set on every command). */
  private readonly queues = new Map<string, () => number>();
  readonly queueDepth = new Gauge({
    name: 'flowex_engine_queue_depth',
    help: 'Commands waiting for the market loop',
    labelNames: ['market'] as const,
    registers: [this.registry],
    collect: () => {
      this.queueDepth.reset();
      for (const [market, depth] of this.queues) this.queueDepth.set({ market }, depth());
    },
  });
  /** Each running market's book, read when scraped. */
  private readonly books = new Map<string, () => BookSides>();
  private readonly bookGauge = (name: string, help: string, pick: (s: BookSide) => number) => {
    const gauge: Gauge<'market' | 'side'> = new Gauge({
      name,
      help,
      labelNames: ['market', 'side'] as const,
      registers: [this.registry],
      collect: () => {
        gauge.reset();
        for (const [market, read] of this.books) {
          const sides = read();
          gauge.set({ market, side: 'BUY' }, pick(sides.bids));
          gauge.set({ market, side: 'SELL' }, pick(sides.asks));
        }
      },
    });
    return gauge;
  };
  readonly bookLevels = this.bookGauge(
    'flowex_engine_book_levels',
    'Price levels resting in the book',
    (s) => s.levels,
  );
  readonly bookOrders = this.bookGauge(
    'flowex_engine_book_orders',
    'Orders resting in the book',
    (s) => s.orders,
  );
  readonly bookQuantity = this.bookGauge(
    'flowex_engine_book_quantity',
    'Visible quantity resting in the book, in base asset units',
    (s) => s.quantity,
  );
  readonly owned = new Gauge({
    name: 'flowex_engine_market_owned',
    help: '1 when this instance owns the market',
    labelNames: ['market'] as const,
    registers: [this.registry],
  });

  /** Reports a market's book depth from now on (`undefined`: no longer). */
  watchBook(market: string, read: (() => BookSides) | undefined): void {
    if (read) this.books.set(market, read);
    else this.books.delete(market);
  }

  /** Reports a market's queue depth from now on (`undefined`: no longer). */
  watchQueue(market: string, depth: (() => number) | undefined): void {
    if (depth) this.queues.set(market, depth);
    else this.queues.delete(market);
  }
}
