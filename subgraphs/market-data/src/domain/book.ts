// The exact order book, replicated from the engine: a committed snapshot (engine sequence
// S) plus the `book:` deltas after it, which chain prevSeq → seq without gaps. A delta
// that does not chain (a lost message, an engine that rebuilt its book) means the replica
// can no longer prove it is exact: it asks for a new snapshot and starts over.
import type { BookDeltaEvent, BookLevelEvent, Unsubscribe } from '@flowex/bus';
import { Prisma } from '@flowex/db';
import type { BookSource } from '../data/book.ts';

export interface Level {
  price: string;
  quantity: string;
  orderCount: number;
}

interface Entry extends Level {
  key: Prisma.Decimal;
}

/** What a replica tells its listeners, in order. */
export type ReplicaEvent =
  | { kind: 'delta'; prevSeq: number; seq: number; bids: Level[]; asks: Level[] }
  /** A new snapshot replaced the book (after a gap): views must be rebuilt. */
  | { kind: 'reset'; seq: number };

export interface BookView {
  symbol: string;
  sequence: string;
  bids: Level[];
  asks: Level[];
}

class Side {
  private readonly levels = new Map<string, Entry>();
  private sorted: Entry[] | null = null;

  constructor(private readonly descending: boolean) {}

  clear() {
    this.levels.clear();
    this.sorted = null;
  }

  set(l: BookLevelEvent) {
    this.sorted = null;
    const key = new Prisma.Decimal(l.price);
    const price = key.toFixed();
    if (key.isZero() || new Prisma.Decimal(l.quantity).isZero()) {
      this.levels.delete(price);
      return;
    }
    this.levels.set(price, { price, quantity: l.quantity, orderCount: l.orderCount, key });
  }

  top(depth: number): Level[] {
    this.sorted ??= [...this.levels.values()].sort((a, b) =>
      this.descending ? b.key.cmp(a.key) : a.key.cmp(b.key),
    );
    return this.sorted
      .slice(0, depth)
      .map((e) => ({ price: e.price, quantity: e.quantity, orderCount: e.orderCount }));
  }
}

export class BookReplica {
  /** Engine sequence the book reflects; -1 before the first snapshot. */
  seq = -1;
  private readonly bids = new Side(true);
  private readonly asks = new Side(false);
  private live = false;
  private syncing: Promise<void> | undefined;
  private buffer: BookDeltaEvent[] = [];
  private unsubscribe: Unsubscribe | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners = new Set<(event: ReplicaEvent) => void>();

  constructor(
    readonly symbol: string,
    private readonly source: BookSource,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Resolves once the replica is exact (snapshot + every delta since); rejects if the engine does not answer. */
  async ready(): Promise<void> {
    if (this.live) return;
    this.syncing ??= this.sync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  top(depth: number): BookView {
    return {
      symbol: this.symbol,
      sequence: String(this.seq),
      bids: this.bids.top(depth),
      asks: this.asks.top(depth),
    };
  }

  /** Every later replica event, until the returned function is called. */
  listen(listener: (event: ReplicaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.listeners.clear();
    await this.unsubscribe?.();
  }

  private async sync(): Promise<void> {
    // Subscribe first: every delta published after the snapshot is then received.
    this.unsubscribe ??= await this.source.deltas(this.symbol, (d) => this.onDelta(d));
    this.live = false;
    this.buffer = [];
    const resync = this.seq >= 0;
    const snap = await this.source.snapshot(this.symbol);
    if (this.closed) return;
    this.bids.clear();
    this.asks.clear();
    for (const l of snap.bids) this.bids.set(l);
    for (const l of snap.asks) this.asks.set(l);
    this.seq = snap.seq;
    const pending = this.buffer;
    this.buffer = [];
    this.live = true;
    if (resync) this.emit({ kind: 'reset', seq: this.seq });
    for (const d of pending) this.onDelta(d);
  }

  private onDelta(d: BookDeltaEvent) {
    if (!this.live) {
      if (this.syncing) this.buffer.push(d);
      return;
    }
    if (d.prevSeq === this.seq) {
      if (d.seq === d.prevSeq) return; // a batch without engine events: nothing changed
      for (const l of d.bids) this.bids.set(l);
      for (const l of d.asks) this.asks.set(l);
      this.seq = d.seq;
      this.emit({ kind: 'delta', prevSeq: d.prevSeq, seq: d.seq, bids: d.bids, asks: d.asks });
    } else if (d.seq <= this.seq) {
      // Already in the snapshot.
    } else {
      this.resync();
    }
  }

  private resync() {
    this.live = false;
    this.ready().catch((error: unknown) => {
      this.onError(error);
      // Keep trying while someone listens; otherwise the next query tries again.
      if (this.listeners.size > 0 && !this.closed) {
        this.retry = setTimeout(() => this.resync(), 1000);
      }
    });
  }

  private emit(event: ReplicaEvent) {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** One replica per market, created on first use and kept. */
export class BookReplicas {
  private readonly replicas = new Map<string, BookReplica>();

  constructor(
    private readonly source: BookSource,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get(symbol: string): BookReplica {
    let r = this.replicas.get(symbol);
    if (!r) {
      r = new BookReplica(symbol, this.source, this.onError);
      this.replicas.set(symbol, r);
    }
    return r;
  }

  async close(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((r) => r.close()));
    this.replicas.clear();
  }
}

/**
 * A subscriber's top-`depth` view: what changed in it after a replica delta — levels that
 * changed, entered the view (absolute values) or left it (quantity "0").
 */
export class DepthView {
  private bids = new Map<string, Level>();
  private asks = new Map<string, Level>();

  constructor(
    private readonly replica: BookReplica,
    private readonly depth: number,
  ) {}

  snapshot(): BookView {
    const view = this.replica.top(this.depth);
    this.bids = new Map(view.bids.map((l) => [l.price, l]));
    this.asks = new Map(view.asks.map((l) => [l.price, l]));
    return view;
  }

  changes(): { bids: Level[]; asks: Level[] } {
    const view = this.replica.top(this.depth);
    const diff = (old: Map<string, Level>, now: Level[]) => {
      const out: Level[] = [];
      const next = new Map(now.map((l) => [l.price, l]));
      for (const l of now) {
        const was = old.get(l.price);
        if (!was || was.quantity !== l.quantity || was.orderCount !== l.orderCount) out.push(l);
      }
      for (const price of old.keys()) {
        if (!next.has(price)) out.push({ price, quantity: '0', orderCount: 0 });
      }
      return { out, next };
    };
    const b = diff(this.bids, view.bids);
    const a = diff(this.asks, view.asks);
    this.bids = b.next;
    this.asks = a.next;
    return { bids: b.out, asks: a.out };
  }
}
