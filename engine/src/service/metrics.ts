import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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
  readonly owned = new Gauge({
    name: 'flowex_engine_market_owned',
    help: '1 when this instance owns the market',
    labelNames: ['market'] as const,
    registers: [this.registry],
  });

  /** Reports a market's queue depth from now on (`undefined`: no longer). */
  watchQueue(market: string, depth: (() => number) | undefined): void {
    if (depth) this.queues.set(market, depth);
    else this.queues.delete(market);
  }
}
