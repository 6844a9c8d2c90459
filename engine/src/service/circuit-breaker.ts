// Circuit breaker: when a market's last price moves more than Market.circuitBreakerPercent
// (default 10 %) away from any trade price of the last 5 minutes, the market halts itself
// (Market.status = HALTED, refused at intake from then on) and says so in the audit log
// (`market.circuit_breaker`), in one statement right after the batch that moved it commits.
// An admin resumes it with setMarketStatus; the window starts afresh after a halt.
import type { Db } from '@flowex/db';
import type { Logger } from '@flowex/server';
import { fromAtoms, ONE, toAtoms } from './units.ts';

export const CIRCUIT_BREAKER_WINDOW_MS = 5 * 60_000;
const SETTINGS_TTL_MS = 5_000;

interface Point {
  at: number;
  price: bigint;
}

export interface Trip {
  market: string;
  fromPrice: string;
  toPrice: string;
  movePercent: string;
  thresholdPercent: string;
  windowSeconds: number;
}

export class CircuitBreaker {
  private lows: Point[] = [];
  private highs: Point[] = [];
  /** Threshold as a fraction in atoms (10 % = 0.1 × 10^18); null = not loaded. */
  private threshold: bigint | null = null;
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly symbol: string,
    private readonly logger: Logger,
    private readonly windowMs = CIRCUIT_BREAKER_WINDOW_MS,
  ) {}

  /** Load the threshold and the trades of the current window. */
  async start(): Promise<void> {
    await this.refresh();
    const since = new Date(Date.now() - this.windowMs);
    const rows = await this.db.trade.findMany({
      where: { marketSymbol: this.symbol, executedAt: { gte: since } },
      orderBy: { engineSeq: 'asc' },
      select: { price: true, executedAt: true },
    });
    this.lows = [];
    this.highs = [];
    for (const r of rows) this.add({ at: r.executedAt.getTime(), price: toAtoms(r.price) });
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.db.market
      .findUnique({ where: { symbol: this.symbol }, select: { circuitBreakerPercent: true } })
      .then((m) => {
        this.threshold = m ? toAtoms(m.circuitBreakerPercent) / 100n : null;
        this.loadedAt = Date.now();
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'circuit breaker settings'))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * The committed trades of a batch, in order. Returns the trip (after the halt is stored)
   * when one of them moved the price too far, else undefined without waiting for anything.
   */
  observe(trades: readonly { price: bigint; executedAt: Date }[]): Promise<Trip> | undefined {
    if (trades.length === 0) return undefined;
    if (Date.now() - this.loadedAt > SETTINGS_TTL_MS) void this.refresh();
    const threshold = this.threshold;
    for (const t of trades) {
      const at = t.executedAt.getTime();
      this.evictBefore(at - this.windowMs);
      if (threshold !== null && threshold > 0n) {
        // The largest move is from the window's lowest or highest price: check only those.
        for (const p of [this.lows[0], this.highs[0]]) {
          if (!p) continue;
          const move = t.price > p.price ? t.price - p.price : p.price - t.price;
          // move / from > threshold, exactly: move × ONE > threshold × from.
          if (move * ONE > threshold * p.price) {
            this.lows = [];
            this.highs = [];
            return this.halt({
              market: this.symbol,
              fromPrice: fromAtoms(p.price),
              toPrice: fromAtoms(t.price),
              movePercent: fromAtoms((move * 100n * ONE) / p.price),
              thresholdPercent: fromAtoms(threshold * 100n),
              windowSeconds: this.windowMs / 1000,
            });
          }
        }
      }
      this.add({ at, price: t.price });
    }
    return undefined;
  }

  /**
   * Sliding-window minimum and maximum as monotonic queues: `lows` has rising prices,
   * `highs` falling ones, both oldest first, so each trade costs O(1) amortised.
   */
  private add(point: Point) {
    while (this.lows.length > 0 && this.lows.at(-1)!.price >= point.price) this.lows.pop();
    this.lows.push(point);
    while (this.highs.length > 0 && this.highs.at(-1)!.price <= point.price) this.highs.pop();
    this.highs.push(point);
  }

  private evictBefore(at: number) {
    while (this.lows.length > 0 && this.lows[0]!.at < at) this.lows.shift();
    while (this.highs.length > 0 && this.highs[0]!.at < at) this.highs.shift();
  }

  private async halt(trip: Trip): Promise<Trip> {
    const halted = await this.db.$executeRawUnsafe(
      `WITH h AS (
         UPDATE "Market" SET status = 'HALTED', "updatedAt" = now()
          WHERE symbol = $1 AND status = 'TRADING' RETURNING symbol)
       INSERT INTO "AuditLog" (action, details, "createdAt")
       SELECT 'market.circuit_breaker', $2::jsonb, now() FROM h`,
      this.symbol,
      JSON.stringify(trip),
    );
    if (halted > 0) this.logger.warn(trip, 'circuit breaker: market halted');
    return trip;
  }
}
