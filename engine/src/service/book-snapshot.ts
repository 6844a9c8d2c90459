// The market's book as of the last committed (and published) batch, for the
// `engine-book:<market>` request queue. The core runs ahead of the database (the next
// batch is matched while the previous one commits), so the core's own depth may show
// uncommitted state: this copy is reset from the core only when both agree (recovery) and
// otherwise advances with exactly the level changes published on `book:<market>`, in the
// same synchronous step as the publication. Snapshot seq S + deltas after S = the book.
import {
  type BookLevelEvent,
  type BookSnapshot,
  type Bus,
  bookSnapshotQueue,
  type Unsubscribe,
} from '@flowex/bus';
import type { MatchingEngine } from '../core/engine.ts';
import { fromAtoms, type MarketInfo } from './units.ts';

interface Level {
  quantity: number;
  count: number;
}

export interface BookLevelChange {
  side: string;
  price: number;
  quantity: number;
  count: number;
}

export class CommittedBook {
  private readonly bids = new Map<number, Level>();
  private readonly asks = new Map<number, Level>();
  seq = 0;

  constructor(private readonly market: MarketInfo) {}

  /** From the core when it holds exactly the committed state (after recovery). */
  reset(engine: MatchingEngine, seq: number): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of engine.depth('BUY')) {
      this.bids.set(l.price, { quantity: l.quantity, count: l.orderCount });
    }
    for (const l of engine.depth('SELL')) {
      this.asks.set(l.price, { quantity: l.quantity, count: l.orderCount });
    }
    this.seq = seq;
  }

  /** A committed batch's level changes (absolute totals; quantity 0 = gone). */
  apply(changes: readonly BookLevelChange[], seq: number): void {
    for (const c of changes) {
      const side = c.side === 'BUY' ? this.bids : this.asks;
      if (c.quantity === 0) side.delete(c.price);
      else side.set(c.price, { quantity: c.quantity, count: c.count });
    }
    this.seq = seq;
  }

  snapshot(): BookSnapshot {
    const u = this.market.units;
    const levels = (side: Map<number, Level>, desc: boolean): BookLevelEvent[] =>
      [...side.entries()]
        .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
        .map(([price, l]) => ({
          price: fromAtoms(u.price(price)),
          quantity: fromAtoms(u.quantity(l.quantity)),
          orderCount: l.count,
        }));
    return {
      marketSymbol: this.market.symbol,
      seq: this.seq,
      bids: levels(this.bids, true),
      asks: levels(this.asks, false),
    };
  }
}

/** Answers `bookSnapshotQueue(market)` from the runner's committed book (owner only). */
export function serveBookSnapshots(
  bus: Bus,
  runner: { symbol: string; committedBook: CommittedBook },
): Promise<Unsubscribe> {
  // Synchronous: runs between the loop's steps, never inside one, so the answer is the
  // state as of the last published delta.
  return bus.serve(bookSnapshotQueue(runner.symbol), () => runner.committedBook.snapshot());
}
