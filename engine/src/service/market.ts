// One market's single-threaded loop over the pure core: commands in (bus + the durable
// EngineCommand table), engine events folded into a settlement batch, one transaction per
// batch (group commit: whatever queued while the previous batch committed forms the next
// one), then publication and replies — after the commit, never before.
import { randomUUID } from 'node:crypto';
import type { BalanceEvent, BookDeltaEvent, Bus, PublishedEvent, TradeEvent } from '@flowex/bus';
import { channels } from '@flowex/bus';
import type { $Enums, Db } from '@flowex/db';
import type { Logger, Tracing } from '@flowex/server';
import type { Histogram } from 'prom-client';
import { execute } from '../core/api.ts';
import {
  ORDER_TYPE_NAMES,
  type OrderTypeName,
  SIDE_NAMES,
  STP_NAMES,
  TIF_NAMES,
} from '../core/constants.ts';
import { MatchingEngine } from '../core/engine.ts';
import type { EngineEvent } from '../core/events.ts';
import type { Command, EngineSnapshot, SnapshotOrder } from '../core/types.ts';
import type {
  AmendCommand,
  CommandReply,
  DbOrderStatus,
  EngineCommandMessage,
  FillView,
  OrderDetails,
  OrderStateView,
  PlaceCommand,
} from '../intake/protocol.ts';
import { storedOrderState } from '../intake/submit.ts';
import { BatchSizer } from './batch-size.ts';
import { CommittedBook } from './book-snapshot.ts';
import { candleDeltas, Ticker, type TradeTick } from './candles.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { type BatchTimes, CommandTracer } from './command-trace.ts';
import type { FeeSchedule } from './fees.ts';
import { NettedJournal } from './journal.ts';
import type { BookSide, BookSides, EngineMetrics } from './metrics.ts';
import type { MarketLock } from './ownership.ts';
import { stopBuyCap } from './protection.ts';
import {
  applyBatch,
  type BalanceDelta,
  type Batch,
  type BatchResult,
  encodeBatch,
  FencedError,
  type OrderRow,
  type TradeRow,
  type TransactionRow,
} from './settlement.ts';
import { feeFor, fromAtoms, type MarketInfo, ONE, toAtoms, UnitsError } from './units.ts';

export interface OrderState {
  id: number;
  userId: string;
  accountNo: number;
  side: 'BUY' | 'SELL';
  type: OrderTypeName;
  price: bigint | null;
  quantity: bigint | null;
  display: bigint | null;
  holdAsset: string;
  holdRemaining: bigint;
  filledQuantity: bigint;
  filledQuote: bigint;
  status: DbOrderStatus;
  engineSeq: number | null;
  rejectReason: string | null;
  /** Visible lots as last reported (iceberg refresh detection). */
  visible: number;
  /** What never changes, for complete order views (absent for old commands). */
  fixed?: Omit<OrderDetails, 'price' | 'quantity'>;
}

const TERMINAL = new Set<DbOrderStatus>(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);
const OPEN_STATUSES = ['NEW', 'PARTIALLY_FILLED', 'PENDING_TRIGGER'] as const;
/**
 * The resting and pending-trigger orders of a market, in engine sequence. The statuses are
 * literals so that the partial index of open orders serves it: Prisma sends enum values as
 * casts of text parameters, which no index predicate can be proven from.
 */
const OPEN_ORDERS_SQL = `
  SELECT o.id, o."userId"::text AS "userId", u."accountNo", o."clientOrderId",
         o.side::text AS side, o.type::text AS type, o."timeInForce"::text AS "timeInForce",
         o."postOnly", o."selfTradePrevention"::text AS "selfTradePrevention",
         o.status::text AS status, o.price::text AS price, o."stopPrice"::text AS "stopPrice",
         o.quantity::text AS quantity, o."quoteQuantity"::text AS "quoteQuantity",
         o."displayQuantity"::text AS "displayQuantity",
         o."filledQuantity"::text AS "filledQuantity",
         o."filledQuoteQuantity"::text AS "filledQuoteQuantity", o."rejectReason",
         o."holdAsset", o."holdRemaining"::text AS "holdRemaining", o."engineSeq", o."createdAt"
    FROM "Order" o JOIN "User" u ON u.id = o."userId"
   WHERE o."marketSymbol" = $1 AND o.status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})
   ORDER BY o."engineSeq", o.id`;

/** An open order as recovery reads it: decimals as text, enums by name. */
interface OpenOrderRow {
  id: bigint;
  userId: string;
  accountNo: number;
  clientOrderId: string | null;
  side: $Enums.OrderSide;
  type: $Enums.OrderType;
  timeInForce: $Enums.TimeInForce;
  postOnly: boolean;
  selfTradePrevention: $Enums.SelfTradePrevention;
  status: $Enums.OrderStatus;
  price: string | null;
  stopPrice: string | null;
  quantity: string | null;
  quoteQuantity: string | null;
  displayQuantity: string | null;
  filledQuantity: string;
  filledQuoteQuantity: string;
  rejectReason: string | null;
  holdAsset: string;
  holdRemaining: string;
  engineSeq: bigint | null;
  createdAt: Date;
}

interface Waiter {
  resolve: (reply: CommandReply) => void;
  reject: (error: Error) => void;
}

interface Executed {
  msg: EngineCommandMessage;
  events: EngineEvent[];
  /** Refused before reaching the core (units, funds, halted market): no sequence used. */
  localReject?: string;
  order?: OrderState;
  /** AMEND: the order it changes. */
  target?: OrderState;
  /** AMEND of an order that is gone: its extra hold goes straight back. */
  orphanHold?: { userId: string; asset: string; amount: bigint; orderId: string };
  seqAfter: number;
}

export interface MarketRunnerOptions {
  db: Db;
  bus: Bus;
  market: MarketInfo;
  feeAccountId: string;
  fees: FeeSchedule;
  logger: Logger;
  metrics: EngineMetrics;
  lock?: MarketLock;
  /** Most commands per settlement batch. Default 2000. */
  maxBatch?: number;
  /** Batches are sized to commit in about this long (see `BatchSizer`). Default 50 ms. */
  targetCommitMs?: number;
  /** How often to look for durable commands the bus did not deliver. Default 1000 ms. */
  sweepMs?: number;
  /** Spans of traced commands (command-trace.ts). */
  tracing?: Tracing;
}

class LocalReject extends Error {}

/** A batch being folded: commands run on the core as they arrive, committed together. */
type OpenBatch = ReturnType<MarketRunner['openBatch']>;
type Prepared = ReturnType<OpenBatch['close']>;

export class MarketRunner {
  readonly symbol: string;
  engine = new MatchingEngine();
  readonly orders = new Map<number, OrderState>();
  private queue: EngineCommandMessage[] = [];
  /** When each queued command was queued (performance.now()), in queue order. */
  private queuedAt: number[] = [];
  /** When a batch's commands were queued and its transaction ran, by the batch's items. */
  private readonly batchTimes = new WeakMap<EngineCommandMessage[], BatchTimes>();
  /** Command ids queued or in flight. */
  private readonly known = new Set<string>();
  /** Command ids committed by this runner (bounded). */
  private readonly recent = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Ids up to this were allocated before recovery: a bus copy may be already processed. */
  private watermark = 0n;
  committedSeq = 0;
  /** Engine sequence after the last batch run on the core (ahead of committedSeq). */
  private preparedSeq = 0;
  private draining: Promise<void> | undefined;
  /** Wakes the loop waiting for a commit when a command arrives (see `drain`). */
  private arrived: (() => void) | undefined;
  private readonly tracer: CommandTracer | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticker: Ticker;
  private breaker: CircuitBreaker;
  ready = false;
  /** Commands to run one per batch (after a deterministic batch failure). */
  private isolate = 0;
  private readonly failures = new Map<string, number>();
  /** Commands that failed settlement repeatedly: refused instead of executed. */
  private readonly poison = new Set<string>();
  /** The last committed batch (diagnostics and tests). */
  lastBatch: Batch | undefined;
  private readonly sizer: BatchSizer;

  constructor(private readonly o: MarketRunnerOptions) {
    this.symbol = o.market.symbol;
    this.ticker = new Ticker(this.symbol);
    this.breaker = new CircuitBreaker(o.db, this.symbol, o.logger);
    this.committedBook = new CommittedBook(o.market);
    this.sizer = new BatchSizer(o.maxBatch ?? 2000, o.targetCommitMs ?? 50);
    this.tracer = o.tracing?.enabled ? new CommandTracer(o.tracing, this.symbol) : undefined;
    this.matchTimer = o.metrics.match.labels(this.symbol);
    this.lagTimer = o.metrics.settlementLag.labels(this.symbol);
  }

  private readonly matchTimer: Histogram.Internal<'market'>;
  private readonly lagTimer: Histogram.Internal<'market'>;

  /** The book's depth per side, for the metrics (read when scraped). */
  private bookSides(): BookSides {
    const u = this.o.market.units;
    const side = (levels: { quantity: number; orderCount: number }[]): BookSide => {
      let orders = 0;
      let lots = 0;
      for (const l of levels) {
        orders += l.orderCount;
        lots += l.quantity;
      }
      return { levels: levels.length, orders, quantity: Number(fromAtoms(u.quantity(lots))) };
    };
    return { bids: side(this.engine.depth('BUY')), asks: side(this.engine.depth('SELL')) };
  }

  /** The book as of the last published batch (the `engine-book:<market>` answers). */
  readonly committedBook: CommittedBook;

  async start(): Promise<void> {
    await this.recover();
    await this.breaker.start();
    this.ready = true;
    const sweepMs = this.o.sweepMs ?? 1000;
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.o.logger.warn({ err: error }, 'sweep failed'));
    }, sweepMs);
    this.sweepTimer.unref();
    this.o.metrics.watchQueue(this.symbol, () => this.queue.length);
    this.o.metrics.watchBook(this.symbol, () => this.bookSides());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    this.o.metrics.watchQueue(this.symbol, undefined);
    this.o.metrics.watchBook(this.symbol, undefined);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.draining;
    for (const [, ws] of this.waiters) for (const w of ws) w.reject(new Error('engine stopped'));
    this.waiters.clear();
  }

  /** A command from the bus: answered after the batch that processes it commits. */
  async submit(msg: EngineCommandMessage): Promise<CommandReply> {
    if (this.stopped) throw new Error(`${this.symbol}: engine stopped`);
    const id = msg.commandId;
    const reply = new Promise<CommandReply>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
    });
    if (this.known.has(id)) return reply;
    if (this.recent.has(id) || BigInt(id) <= this.watermark) {
      const row = await this.o.db.engineCommand.findUnique({ where: { id: BigInt(id) } });
      if (!row || row.processedSeq !== null) {
        this.settleWaiters(id, await this.replyFromDb(msg));
        return reply;
      }
      // Queued by a sweep, or even committed, while we looked: never run a command twice.
      if (this.known.has(id)) return reply;
      if (this.recent.has(id)) {
        this.settleWaiters(id, await this.replyFromDb(msg));
        return reply;
      }
    }
    this.enqueue(msg);
    return reply;
  }

  /** Rebuild the book from PostgreSQL and queue every command not yet processed. */
  async recover(): Promise<void> {
    const { db, market } = this.o;
    const u = market.units;
    await db.$executeRawUnsafe(
      `INSERT INTO "EngineCheckpoint" ("marketSymbol", "lastSeq", "lastCommandId", "updatedAt")
       VALUES ($1, 0, 0, now()) ON CONFLICT DO NOTHING`,
      this.symbol,
    );
    const cp = await db.engineCheckpoint.findUniqueOrThrow({
      where: { marketSymbol: this.symbol },
    });
    const [seqRow] = await db.$queryRawUnsafe<{ v: string }[]>(
      `SELECT last_value::text AS v FROM "EngineCommand_id_seq"`,
    );
    this.watermark = BigInt(seqRow?.v ?? '0');
    const rows = await db.$queryRawUnsafe<OpenOrderRow[]>(OPEN_ORDERS_SQL, this.symbol);
    const lastTrade = await db.trade.findFirst({
      where: { marketSymbol: this.symbol },
      orderBy: { engineSeq: 'desc' },
      select: { price: true },
    });
    this.orders.clear();
    const bids: [bigint, SnapshotOrder][] = [];
    const asks: [bigint, SnapshotOrder][] = [];
    const stops: SnapshotOrder[] = [];
    for (const r of rows) {
      const price = r.price === null ? null : toAtoms(r.price);
      const quantity = r.quantity === null ? null : toAtoms(r.quantity);
      const display = r.displayQuantity === null ? null : toAtoms(r.displayQuantity);
      const qLots = quantity === null ? 0 : u.lots(quantity);
      const filledAtoms = toAtoms(r.filledQuantity);
      const filled = filledAtoms === 0n ? 0 : u.lots(filledAtoms);
      const remaining = qLots - filled;
      const dLots = display === null ? 0 : u.lots(display);
      let visible = remaining;
      if (dLots > 0) {
        const used = filled % dLots;
        visible = Math.min(used === 0 ? dLots : dLots - used, remaining);
      }
      const state: OrderState = {
        id: Number(r.id),
        userId: r.userId,
        accountNo: r.accountNo,
        side: r.side,
        type: r.type,
        price,
        quantity,
        display,
        holdAsset: r.holdAsset,
        holdRemaining: toAtoms(r.holdRemaining),
        filledQuantity: filledAtoms,
        filledQuote: toAtoms(r.filledQuoteQuantity),
        status: r.status,
        engineSeq: r.engineSeq === null ? null : Number(r.engineSeq),
        rejectReason: r.rejectReason,
        visible,
        fixed: {
          clientOrderId: r.clientOrderId,
          type: r.type,
          timeInForce: r.timeInForce,
          postOnly: r.postOnly,
          selfTradePrevention: r.selfTradePrevention,
          stopPrice: r.stopPrice === null ? null : fromAtoms(toAtoms(r.stopPrice)),
          quoteQuantity: r.quoteQuantity === null ? null : fromAtoms(toAtoms(r.quoteQuantity)),
          displayQuantity: display === null ? null : fromAtoms(display),
          holdAsset: r.holdAsset,
          createdAt: r.createdAt.toISOString(),
        },
      };
      this.orders.set(state.id, state);
      const rec: SnapshotOrder = [
        state.id,
        state.accountNo,
        SIDE_NAMES.indexOf(r.side),
        ORDER_TYPE_NAMES.indexOf(r.type),
        TIF_NAMES.indexOf(r.timeInForce),
        price === null ? 0 : u.ticks(price),
        r.stopPrice === null ? 0 : u.ticks(toAtoms(r.stopPrice)),
        qLots,
        filled,
        remaining,
        visible,
        dLots,
        STP_NAMES.indexOf(r.selfTradePrevention),
        r.postOnly ? 1 : 0,
      ];
      const cap = stopBuyCap(r.side, r.type, state.holdRemaining, qLots, u);
      if (cap && r.status === 'PENDING_TRIGGER') {
        rec[3] = ORDER_TYPE_NAMES.indexOf(cap.type);
        rec[4] = TIF_NAMES.indexOf(cap.timeInForce);
        rec[5] = cap.price;
      }
      if (r.status === 'PENDING_TRIGGER') stops.push(rec);
      else (r.side === 'BUY' ? bids : asks).push([price ?? 0n, rec]);
    }
    // Best price first; within a level, rows are already in engine-sequence (FIFO) order.
    bids.sort((a, b) => (a[0] === b[0] ? 0 : a[0] > b[0] ? -1 : 1));
    asks.sort((a, b) => (a[0] === b[0] ? 0 : a[0] < b[0] ? -1 : 1));
    const snapshot: EngineSnapshot = {
      version: 1,
      config: { marketProtectionBps: market.marketProtectionBps },
      seq: Number(cp.lastSeq),
      lastPrice: lastTrade ? u.ticks(toAtoms(lastTrade.price)) : 0,
      bids: bids.map((b) => b[1]),
      asks: asks.map((a) => a[1]),
      stops,
    };
    this.engine = MatchingEngine.restore(snapshot);
    this.committedSeq = snapshot.seq;
    this.preparedSeq = snapshot.seq;
    this.committedBook.reset(this.engine, snapshot.seq);
    this.o.metrics.lastSeq.set({ market: this.symbol }, this.committedSeq);

    const since = new Date(Date.now() - 86_400_000);
    const candles = await db.candle.findMany({
      where: { marketSymbol: this.symbol, interval: 'ONE_MINUTE', openTime: { gte: since } },
      orderBy: { openTime: 'asc' },
    });
    this.ticker = new Ticker(this.symbol);
    this.ticker.seed(
      candles.map((c) => ({
        interval: c.interval,
        openTime: c.openTime.getTime(),
        open: toAtoms(c.open),
        high: toAtoms(c.high),
        low: toAtoms(c.low),
        close: toAtoms(c.close),
        volume: toAtoms(c.volume),
        quoteVolume: toAtoms(c.quoteVolume),
        tradeCount: c.tradeCount,
        lastSeq: Number(c.lastEngineSeq),
      })),
    );

    this.queue = [];
    this.queuedAt = [];
    this.known.clear();
    await this.sweep();
    this.o.logger.info(
      {
        market: this.symbol,
        seq: this.committedSeq,
        open: rows.length,
        pending: this.queue.length,
      },
      'market recovered',
    );
  }

  /** Queue durable commands nobody delivered (lost bus message, crash, restart). */
  private async sweep(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.o.db.engineCommand.findMany({
      where: { marketSymbol: this.symbol, processedSeq: null },
      orderBy: { id: 'asc' },
      take: 10_000,
    });
    for (const r of rows) {
      const id = String(r.id);
      if (this.known.has(id) || this.recent.has(id)) continue;
      const msg: EngineCommandMessage = {
        commandId: id,
        marketSymbol: r.marketSymbol,
        body: r.payload as unknown as EngineCommandMessage['body'],
      };
      if (r.traceparent) msg.traceparent = r.traceparent;
      this.enqueue(msg, false);
    }
    this.kick();
  }

  /** `kick: false` while queueing a backlog: it then goes into full batches, not one by one. */
  private enqueue(msg: EngineCommandMessage, kick = true) {
    this.known.add(msg.commandId);
    this.queue.push(msg);
    this.queuedAt.push(performance.now());
    const arrived = this.arrived;
    this.arrived = undefined;
    arrived?.();
    if (kick) this.kick();
  }

  private kick() {
    if (!this.draining && this.queue.length > 0) this.draining = this.drain();
  }

  /**
   * The loop. Pipelined: while batch k commits, the commands arriving meanwhile already run
   * on the core and are folded into batch k+1 one by one as they come (the core is ahead of
   * the database); when k has committed, k+1 is closed and sent at once, then k's events are
   * published and its commands answered (after k-1's), and the next arrivals fold into k+2.
   * So matching, folding and publication overlap the commit instead of following it, and a
   * batch still holds everything that arrived during one commit. If a commit
   * fails, everything folded on top of it is discarded and the book is rebuilt from the
   * database, where those commands are still unprocessed.
   */
  private async drain(): Promise<void> {
    type InFlight = { items: EngineCommandMessage[]; applied: Promise<void>; finished: boolean };
    let inFlight: InFlight | undefined;
    let open: OpenBatch | undefined;
    /** The last commit's publication and replies (each waits for its predecessor's). */
    let announced: Promise<void> = Promise.resolve();
    const settle = async () => {
      const f = inFlight;
      inFlight = undefined;
      if (!f) return true;
      try {
        await f.applied;
        if (this.isolate > 0) this.isolate--;
        return true;
      } catch (error) {
        open = undefined; // folded on top of a batch that did not commit
        await announced; // what did commit is published before the book is rebuilt
        this.notePoison(f.items, error);
        await this.onBatchFailure(error);
        return false;
      }
    };
    try {
      while (!this.stopped) {
        if (inFlight?.finished && !(await settle())) continue;
        const room = (this.isolate > 0 ? 1 : this.sizer.limit()) - (open?.items.length ?? 0);
        if (this.queue.length > 0 && room > 0) {
          open ??= this.openBatch(this.preparedSeq);
          const items = this.queue.splice(0, room);
          const queuedAt = this.queuedAt.splice(0, room);
          const times = this.batchTimes.get(open.items);
          if (times) times.queuedAt.push(...queuedAt);
          else this.batchTimes.set(open.items, { queuedAt });
          try {
            await open.add(items);
          } catch (error) {
            const failed = open.items;
            open = undefined;
            if (inFlight) await inFlight.applied.catch(() => {});
            inFlight = undefined;
            await announced;
            this.notePoison(failed, error);
            await this.onBatchFailure(error);
            continue;
          }
          if (inFlight) continue; // keep folding arrivals while the previous batch commits
        }
        if (inFlight) {
          await Promise.race([inFlight.applied.catch(() => {}), this.arrival()]);
          continue;
        }
        if (!open) break; // nothing queued, folded or committing
        const { applied, done } = this.commit(open.items, open.close(), announced);
        const f: InFlight = { items: open.items, applied, finished: false };
        open = undefined;
        const finish = () => {
          f.finished = true;
        };
        applied.then(finish, finish);
        inFlight = f;
        announced = done;
        if (this.isolate > 0) await settle();
      }
      if (inFlight) await inFlight.applied.catch(() => {});
      await announced;
    } finally {
      this.draining = undefined;
    }
    // The last answers may have brought new commands while the loop was finishing (an
    // in-process requester sends its next one at once): they found it still running, so
    // start it again rather than leave them to the next arrival or the sweep.
    if (!this.stopped && this.queue.length > 0) this.kick();
  }

  /** Resolves when the next command is queued. */
  private arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.arrived = resolve;
    });
  }

  /**
   * A batch that fails deterministically (a constraint violated, a bug) must not block the
   * market: its commands are retried one by one, and a single command that keeps failing
   * is refused (REJECTED, hold released) instead of executed. Transient failures (database
   * unreachable) are only retried.
   */
  private notePoison(items: EngineCommandMessage[], error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const deterministic =
      (typeof code === 'string' && code.startsWith('23')) ||
      /Code: `23\d{3}`/.test(message) ||
      error instanceof TypeError ||
      error instanceof RangeError;
    if (!deterministic) return;
    if (items.length > 1) {
      this.isolate = items.length;
      return;
    }
    const id = items[0]!.commandId;
    const n = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, n);
    if (n >= 3) {
      this.poison.add(id);
      this.o.logger.error({ market: this.symbol, commandId: id, err: error }, 'command refused');
    }
  }

  private async onBatchFailure(error: unknown) {
    const { logger } = this.o;
    if (error instanceof FencedError) {
      logger.error({ err: error, market: this.symbol }, 'lost ownership: stopping market');
      this.stopped = true;
      this.ready = false;
      for (const [, ws] of this.waiters) for (const w of ws) w.reject(error);
      this.waiters.clear();
      return;
    }
    // The in-memory book ran ahead of the database: rebuild it from the committed state;
    // the batch's commands are still unprocessed there and are queued again (waiters kept).
    logger.error({ err: error, market: this.symbol }, 'settlement failed: rebuilding the book');
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      if (this.stopped) return;
      try {
        await this.recover();
        return;
      } catch (e) {
        logger.error({ err: e, market: this.symbol }, 'recovery failed, retrying');
      }
    }
  }

  /**
   * One transaction, then (only then) state, publication and replies. `applied` settles as
   * soon as the transaction has committed (or failed), so that the loop sends the next batch
   * to the database at once; this batch's publication and replies follow, after the previous
   * batch's (`after`), so that they leave in batch order. `done` never rejects.
   */
  private commit(
    items: EngineCommandMessage[],
    prepared: Prepared,
    after: Promise<void>,
  ): { applied: Promise<void>; done: Promise<void> } {
    const applied = this.apply(items, prepared);
    const done = applied.then(
      async (result) => {
        await new Promise((r) => setImmediate(r)); // the loop sends the next batch first
        await after;
        await this.announce(items, prepared, result);
      },
      () => {},
    );
    return { applied: applied.then(() => {}), done };
  }

  /** The transaction, and the runner's state once it has committed. */
  private async apply(items: EngineCommandMessage[], prepared: Prepared): Promise<BatchResult> {
    const { metrics } = this.o;
    const { batch, encoded, replies, ticks } = prepared;
    const started = performance.now();
    const result = await applyBatch(this.o.lock ? this.o.lock.settle : this.o.db, batch, encoded);
    const ended = performance.now();
    const ms = ended - started;
    const times = this.batchTimes.get(items);
    if (times) {
      times.committed = { start: started, end: ended };
      this.lagTimer.observe((ended - times.queuedAt[0]!) / 1000);
    }
    this.sizer.observe(items.length, ms);
    metrics.commitSeconds.observe({ market: this.symbol }, ms / 1000);
    metrics.batchSize.observe({ market: this.symbol }, items.length);
    this.committedSeq = batch.lastSeq;
    this.lastBatch = batch;
    metrics.lastSeq.set({ market: this.symbol }, batch.lastSeq);
    metrics.trades.inc({ market: this.symbol }, batch.trades.length);
    countOutcomes(metrics, this.symbol, replies);
    for (const msg of items) {
      this.known.delete(msg.commandId);
      this.recent.add(msg.commandId);
      if (this.failures.size > 0) {
        this.failures.delete(msg.commandId);
        this.poison.delete(msg.commandId);
      }
    }
    if (this.recent.size > 200_000) {
      let drop = this.recent.size - 150_000;
      for (const id of this.recent) {
        if (drop-- <= 0) break;
        this.recent.delete(id);
      }
    }
    for (const o of batch.orders) {
      if (TERMINAL.has(o.status as DbOrderStatus)) this.orders.delete(Number(o.id));
    }
    for (const t of ticks) this.ticker.add(t);
    return result;
  }

  /** Publication, then the answers. */
  private async announce(items: EngineCommandMessage[], prepared: Prepared, result: BatchResult) {
    const { market } = this.o;
    const { batch, replies, views, book } = prepared;
    this.publish(batch, result, views, book).catch((error: unknown) =>
      this.o.logger.warn({ err: error, market: market.symbol }, 'publication failed'),
    );
    if (this.o.logger.isLevelEnabled('debug')) {
      items.forEach((m, i) => {
        this.o.logger.debug(
          {
            market: this.symbol,
            commandId: m.commandId,
            traceparent: m.traceparent,
            reply: replies[i],
          },
          'command settled',
        );
      });
    }
    // Answers wait for a circuit-breaker halt: whoever moved the price sees the market halted.
    await this.breaker
      .observe(batch.trades)
      ?.catch((error: unknown) => this.o.logger.error({ err: error }, 'circuit breaker failed'));
    for (const r of replies) this.settleWaiters(r.commandId, r);
    const times = this.batchTimes.get(items);
    if (this.tracer && times) this.tracer.answered(items, times, replies);
  }

  private settleWaiters(commandId: string, reply: CommandReply) {
    const list = this.waiters.get(commandId);
    if (!list) return;
    this.waiters.delete(commandId);
    for (const w of list) w.resolve(reply);
  }

  private run(msg: EngineCommandMessage): Executed {
    const body = msg.body;
    const { market } = this.o;
    const u = market.units;
    const refused = this.poison.has(msg.commandId);
    if (body.kind === 'CANCEL_ALL') {
      if (refused) {
        return { msg, events: [], localReject: 'SETTLEMENT_FAILED', seqAfter: this.engine.seq };
      }
      const events = execute(this.engine, { kind: 'cancelAll', userId: body.accountNo });
      return { msg, events, seqAfter: this.engine.seq };
    }
    if (body.kind === 'AMEND') return this.runAmend(msg, body, refused);
    if (body.kind === 'CANCEL') {
      if (refused) {
        return { msg, events: [], localReject: 'SETTLEMENT_FAILED', seqAfter: this.engine.seq };
      }
      const events = execute(this.engine, {
        kind: 'cancel',
        orderId: Number(body.orderId),
        userId: body.accountNo,
      });
      return { msg, events, seqAfter: this.engine.seq };
    }
    const order = orderFromPlace(body, market);
    if (this.orders.has(order.id)) {
      return { msg, events: [], localReject: 'DUPLICATE_ORDER_ID', seqAfter: this.engine.seq };
    }
    this.orders.set(order.id, order);
    try {
      if (refused) throw new LocalReject('SETTLEMENT_FAILED');
      // Halts are refused at intake (trading domain, on the current Market row): the status
      // loaded at start would be stale after a halt or a resume.
      const cmd = toCore(body, market);
      if (body.side === 'BUY' && body.type === 'MARKET' && cmd.kind === 'place' && cmd.quantity) {
        // A market buy by quantity holds quantity × (best ask at submission + band). When the
        // book has moved up since and the band may cost more than that, it fills what its hold
        // covers — an IOC capped at hold / quantity — and the rest expires.
        const best = this.engine.bestAsk();
        if (best !== null) {
          const bound = (BigInt(best) * BigInt(10000 + market.marketProtectionBps)) / 10000n;
          const lots = BigInt(cmd.quantity) * u.tickLot;
          if (bound * lots > order.holdRemaining) {
            const cap = order.holdRemaining / lots;
            if (cap < 1n) throw new LocalReject('INSUFFICIENT_FUNDS');
            Object.assign(cmd, { type: 'LIMIT', timeInForce: 'IOC', price: Number(cap) });
          }
        }
      }
      const events = execute(this.engine, cmd);
      return { msg, events, order, seqAfter: this.engine.seq };
    } catch (error) {
      if (!(error instanceof LocalReject || error instanceof UnitsError)) throw error;
      const reason =
        error instanceof LocalReject
          ? error.message
          : /price/.test(error.message)
            ? 'INVALID_PRICE'
            : 'INVALID_QUANTITY';
      return { msg, events: [], localReject: reason, order, seqAfter: this.engine.seq };
    }
  }

  private runAmend(msg: EngineCommandMessage, body: AmendCommand, refused: boolean): Executed {
    const u = this.o.market.units;
    const target = this.orders.get(Number(body.orderId));
    const extra = toAtoms(body.extraHold);
    const seqAfter = this.engine.seq;
    if (!target) {
      const x: Executed = { msg, events: [], localReject: 'UNKNOWN_ORDER', seqAfter };
      if (extra > 0n) {
        x.orphanHold = {
          userId: body.userId,
          asset: body.holdAsset,
          amount: extra,
          orderId: body.orderId,
        };
      }
      return x;
    }
    target.holdRemaining += extra; // the funds arrive with the command
    try {
      if (refused) throw new LocalReject('SETTLEMENT_FAILED');
      const quantity = toAtoms(body.quantity);
      const price = body.price === undefined ? target.price : toAtoms(body.price);
      const remaining = quantity - target.filledQuantity;
      // The engine knows the exact filled quantity: refuse what the hold cannot cover.
      const need =
        target.side === 'SELL' ? remaining : price === null ? 0n : (price * remaining) / ONE;
      if (remaining > 0n && need > target.holdRemaining)
        throw new LocalReject('INSUFFICIENT_FUNDS');
      const cmd: Command = {
        kind: 'amend',
        orderId: target.id,
        userId: body.accountNo,
        quantity: u.lots(quantity),
      };
      if (body.price !== undefined) cmd.price = u.ticks(toAtoms(body.price));
      return { msg, events: execute(this.engine, cmd), target, seqAfter: this.engine.seq };
    } catch (error) {
      if (!(error instanceof LocalReject || error instanceof UnitsError)) throw error;
      const reason = error instanceof LocalReject ? error.message : 'INVALID_QUANTITY';
      return { msg, events: [], localReject: reason, target, seqAfter };
    }
  }

  /**
   * Run a batch's commands on the core and fold each one's events into the rows to commit,
   * the replies and what to publish afterwards. Each command is folded right after it ran:
   * the order states (holds, fills, price, quantity) a command sees are exactly those its
   * predecessors left, as in the core. (Running the whole batch first and folding after let
   * an amend's extra hold be "released" as excess by an earlier command's fold.)
   */
  private openBatch(prevSeq: number) {
    const { market, fees, feeAccountId } = this.o;
    const items: EngineCommandMessage[] = [];
    const u = market.units;
    const sym = market.symbol;
    const trades: TradeRow[] = [];
    const balances = new Map<string, BalanceDelta>();
    const touched = new Set<OrderState>();
    const ticks: TradeTick[] = [];
    const book = new Map<
      string,
      { side: string; price: number; quantity: number; count: number }
    >();
    const replies: CommandReply[] = [];
    const now = new Date();
    const nowIso = now.toISOString();

    const move = (userId: string, asset: string, available: bigint, locked: bigint) => {
      const key = `${userId}|${asset}`;
      const b = balances.get(key);
      if (b) {
        b.available += available;
        b.locked += locked;
      } else balances.set(key, { userId, assetCode: asset, available, locked });
    };
    // One journal per batch, netted per account and kind of movement (see journal.ts): it
    // sums to zero per asset and points at the batch. The fee account is credited once per
    // asset, and users get one Transaction per asset per batch (their fills carry the
    // per-trade detail).
    const journal = new NettedJournal(randomUUID());
    let batchRef = ''; // known once the batch ran: filled in below
    const txs = new Map<string, TransactionRow>();
    const credit = (userId: string, asset: string, amount: bigint, fee: bigint) => {
      const key = `${userId}|${asset}`;
      const t = txs.get(key);
      if (t) {
        t.amount += amount;
        t.fee += fee;
      } else {
        txs.set(key, { userId, assetCode: asset, type: 'TRADE', amount, fee, reference: batchRef });
      }
    };
    const releaseTo = (userId: string, asset: string, amount: bigint) => {
      journal.post(userId, asset, 'LOCKED', 'RELEASE', -amount);
      journal.post(userId, asset, 'AVAILABLE', 'RELEASE', amount);
      move(userId, asset, amount, -amount);
    };
    const release = (o: OrderState, amount: bigint) => {
      if (amount <= 0n) return;
      releaseTo(o.userId, o.holdAsset, amount);
      o.holdRemaining -= amount;
    };

    /** Runs commands on the core and folds their events into this batch. */
    const add = async (more: EngineCommandMessage[]) => {
      for (const [k, item] of more.entries()) {
        // Let I/O in between (the previous batch's settlement round trips) rather than hold
        // the thread for a whole large batch.
        if (k > 0 && k % 256 === 0) await new Promise((r) => setImmediate(r));
        items.push(item);
        const matchStarted = performance.now();
        const x = this.run(item);
        this.matchTimer.observe((performance.now() - matchStarted) / 1000);
        // Fee tiers of both sides as of this trade (cached a minute and refreshed in the
        // background; only a user without any is waited for).
        const traders: string[] = [];
        for (const ev of x.events) {
          if (ev.type !== 'TRADE') continue;
          traders.push(this.orders.get(ev.makerOrderId)!.userId);
          traders.push(this.orders.get(ev.takerOrderId)!.userId);
        }
        if (traders.length > 0 && !fees.known(traders)) await fees.ensure(traders);
        const fills: FillView[] = [];
        const own = x.order;
        const local = new Set<OrderState>();
        if (x.localReject && own) {
          own.status = 'REJECTED';
          own.rejectReason = x.localReject;
          local.add(own);
        }
        let rejectReason: string | undefined = x.localReject;
        if (x.target) local.add(x.target);
        if (x.orphanHold) {
          const h = x.orphanHold;
          releaseTo(h.userId, h.asset, h.amount);
        }
        const amending = x.msg.body.kind === 'AMEND' ? x.target : undefined;
        for (const ev of x.events) {
          switch (ev.type) {
            case 'ACCEPTED': {
              const o = this.orders.get(ev.orderId)!;
              o.engineSeq = ev.seq;
              o.status = isStopType(o.type) ? 'PENDING_TRIGGER' : 'NEW';
              o.visible = ev.displayQuantity > 0 ? ev.displayQuantity : ev.quantity;
              local.add(o);
              break;
            }
            case 'REJECTED': {
              rejectReason = ev.reason;
              if (ev.command === 'PLACE' && own) {
                own.status = 'REJECTED';
                own.rejectReason = ev.reason;
                local.add(own);
              }
              break;
            }
            case 'TRADE': {
              const maker = this.orders.get(ev.makerOrderId)!;
              const taker = this.orders.get(ev.takerOrderId)!;
              const buyer = ev.takerSide === 'BUY' ? taker : maker;
              const seller = ev.takerSide === 'BUY' ? maker : taker;
              const price = u.price(ev.price);
              const qty = u.quantity(ev.quantity);
              const quote = u.quote(ev.price, ev.quantity);
              const bRates = fees.rates(buyer.userId, market.makerFeeRate, market.takerFeeRate);
              const sRates = fees.rates(seller.userId, market.makerFeeRate, market.takerFeeRate);
              const buyerRate = buyer === taker ? bRates.taker : bRates.maker;
              const sellerRate = seller === taker ? sRates.taker : sRates.maker;
              const feeBase = feeFor(qty, buyerRate, market.baseDecimals);
              const feeQuote = feeFor(quote, sellerRate, market.quoteDecimals);
              const B = market.baseAsset;
              const Q = market.quoteAsset;
              journal.post(buyer.userId, Q, 'LOCKED', 'TRADE', -quote);
              journal.post(seller.userId, Q, 'AVAILABLE', 'TRADE', quote);
              journal.post(seller.userId, B, 'LOCKED', 'TRADE', -qty);
              journal.post(buyer.userId, B, 'AVAILABLE', 'TRADE', qty);
              journal.post(buyer.userId, B, 'AVAILABLE', 'FEE', -feeBase);
              journal.post(seller.userId, Q, 'AVAILABLE', 'FEE', -feeQuote);
              journal.post(feeAccountId, B, 'AVAILABLE', 'FEE', feeBase);
              journal.post(feeAccountId, Q, 'AVAILABLE', 'FEE', feeQuote);
              move(feeAccountId, B, feeBase, 0n);
              move(feeAccountId, Q, feeQuote, 0n);
              move(buyer.userId, Q, 0n, -quote);
              move(buyer.userId, B, qty - feeBase, 0n);
              move(seller.userId, B, 0n, -qty);
              move(seller.userId, Q, quote - feeQuote, 0n);
              credit(buyer.userId, Q, -quote, 0n);
              credit(buyer.userId, B, qty, feeBase);
              credit(seller.userId, B, -qty, 0n);
              credit(seller.userId, Q, quote, feeQuote);
              buyer.holdRemaining -= quote;
              seller.holdRemaining -= qty;
              for (const o of [maker, taker]) {
                o.filledQuantity += qty;
                o.filledQuote += quote;
                local.add(o);
              }
              const fillOf = (o: OrderState): TradeRow['fills'][number] => ({
                orderId: BigInt(o.id),
                userId: o.userId,
                side: o.side,
                fee: o === buyer ? feeBase : feeQuote,
                feeAsset: o === buyer ? B : Q,
                feeRate: o === buyer ? buyerRate : sellerRate,
                liquidity: o === maker ? 'MAKER' : 'TAKER',
              });
              trades.push({
                seq: ev.seq,
                price,
                quantity: qty,
                quote,
                takerSide: ev.takerSide,
                makerOrderId: BigInt(maker.id),
                takerOrderId: BigInt(taker.id),
                executedAt: now,
                fills: [fillOf(maker), fillOf(taker)],
              });
              ticks.push({ seq: ev.seq, price, quantity: qty, quote, at: now.getTime() });
              if (own && (own === maker || own === taker)) {
                const f = fillOf(own);
                fills.push({
                  tradeSeq: String(ev.seq),
                  price: fromAtoms(price),
                  quantity: fromAtoms(qty),
                  quoteQuantity: fromAtoms(quote),
                  fee: fromAtoms(f.fee),
                  feeAsset: f.feeAsset,
                  liquidity: f.liquidity,
                });
              }
              break;
            }
            case 'ORDER_UPDATED': {
              const o = this.orders.get(ev.orderId);
              if (!o) break;
              // An iceberg's new slice goes to the back of its level: its priority is this event.
              if (o.display !== null && ev.visible > o.visible && o.status !== 'PENDING_TRIGGER') {
                o.engineSeq = ev.seq;
              }
              if (o === amending && ev.status !== 'PENDING_TRIGGER') {
                // Amended: it keeps its place only if the price stayed and the size did not grow.
                const newPrice = o.price === null || ev.price <= 0 ? o.price : u.price(ev.price);
                const grew = o.quantity !== null && u.quantity(ev.quantity) > o.quantity;
                if (newPrice !== o.price || grew) o.engineSeq = ev.seq;
              }
              if (o.price !== null && ev.price > 0) o.price = u.price(ev.price);
              if (o.quantity !== null && ev.quantity > 0) o.quantity = u.quantity(ev.quantity);
              o.visible = ev.visible;
              o.status = ev.status;
              local.add(o);
              break;
            }
            case 'EXPIRED': {
              const o = this.orders.get(ev.orderId);
              if (!o) break;
              o.status = 'EXPIRED';
              o.rejectReason = ev.reason;
              local.add(o);
              break;
            }
            case 'STOP_TRIGGERED': {
              const o = this.orders.get(ev.orderId);
              if (!o) break;
              o.engineSeq = ev.seq;
              o.status = 'NEW';
              local.add(o);
              break;
            }
            case 'BOOK_LEVEL':
              book.set(`${ev.side}:${ev.price}`, {
                side: ev.side,
                price: ev.price,
                quantity: ev.quantity,
                count: ev.orderCount,
              });
              break;
          }
        }
        for (const o of local) {
          if (TERMINAL.has(o.status)) release(o, o.holdRemaining);
          else if (o.quantity !== null && (o.side === 'SELL' || o.price !== null)) {
            // Keep exactly what the rest needs on hold (price improvement, amend, rejected
            // amend): price × remaining quote for a BUY, the remaining base for a SELL.
            const remaining = o.quantity - o.filledQuantity;
            const required = o.side === 'SELL' ? remaining : (o.price! * remaining) / ONE;
            if (o.holdRemaining > required) release(o, o.holdRemaining - required);
          }
          touched.add(o);
        }
        const body = x.msg.body;
        const subject =
          own ??
          x.target ??
          (body.kind === 'CANCEL' ? this.orders.get(Number(body.orderId)) : undefined);
        let outcome: CommandReply['outcome'];
        if (body.kind === 'PLACE') outcome = own?.status === 'REJECTED' ? 'rejected' : 'placed';
        else if (body.kind === 'CANCEL_ALL') outcome = rejectReason ? 'rejected' : 'cancelled';
        else if (body.kind === 'AMEND') outcome = rejectReason ? 'rejected' : 'amended';
        else outcome = subject?.status === 'CANCELED' && !rejectReason ? 'cancelled' : 'rejected';
        const reply: CommandReply = {
          commandId: x.msg.commandId,
          outcome,
          fills,
          seq: String(x.seqAfter),
        };
        if (outcome === 'rejected' && rejectReason) reply.reason = rejectReason;
        if (subject) reply.order = view(subject, sym, touched.has(subject) ? nowIso : undefined);
        if (body.kind === 'CANCEL_ALL') {
          reply.cancelledOrderIds = [...local]
            .filter((o) => o.status === 'CANCELED')
            .map((o) => String(o.id));
        }
        replies.push(reply);
      }
    };

    /** The batch as folded so far, ready to commit; the core moves on to the next one. */
    const close = () => {
      batchRef = `batch:${sym}:${prevSeq + 1}-${this.engine.seq}`;
      for (const t of txs.values()) t.reference = batchRef;
      const lastSeq = this.engine.seq;
      const orders: OrderRow[] = [...touched].map((o) => ({
        id: BigInt(o.id),
        status: o.status,
        price: o.price,
        quantity: o.quantity,
        filledQuantity: o.filledQuantity,
        filledQuoteQuantity: o.filledQuote,
        holdRemaining: o.holdRemaining,
        engineSeq: o.engineSeq,
        rejectReason: o.rejectReason,
      }));
      const batch: Batch = {
        marketSymbol: sym,
        prevSeq,
        lastSeq,
        commandIds: items.map((m) => BigInt(m.commandId)),
        orders,
        trades,
        ledger: journal.entries(batchRef),
        balances: [...balances.values()].filter((b) => b.available !== 0n || b.locked !== 0n),
        transactions: [...txs.values()].filter((t) => t.amount !== 0n || t.fee !== 0n),
        candles: candleDeltas(ticks),
        at: now,
      };
      // Views as of this batch: by the time it commits, the next batch may already have run on
      // these very orders, and what is published must be what this batch committed.
      const views = [...touched].map((o) => view(o, sym, nowIso));
      this.preparedSeq = lastSeq;
      // Encoded here, on the way to the database: the core already runs the next batch meanwhile.
      return {
        batch,
        replies,
        views,
        ticks,
        book: [...book.values()],
        encoded: encodeBatch(batch),
      };
    };
    return { items, add, close };
  }

  private async publish(
    batch: Batch,
    result: BatchResult,
    views: OrderStateView[],
    book: { side: string; price: number; quantity: number; count: number }[],
  ) {
    const { bus, market } = this.o;
    const u = market.units;
    const sym = this.symbol;
    // One message for Redis in all: the events leave in this order, as one publish each would.
    const events: PublishedEvent[] = [];
    // A batch's trades share one execution time: formatted once.
    let executedAt: Date | undefined;
    let executedAtIso = '';
    for (const t of batch.trades) {
      if (t.executedAt !== executedAt) {
        executedAt = t.executedAt;
        executedAtIso = executedAt.toISOString();
      }
      events.push([
        channels.trades(sym),
        {
          marketSymbol: sym,
          id: String(result.tradeIds.get(t.seq) ?? ''),
          seq: t.seq,
          price: fromAtoms(t.price),
          quantity: fromAtoms(t.quantity),
          quoteQuantity: fromAtoms(t.quote),
          takerSide: t.takerSide,
          executedAt: executedAtIso,
        } satisfies TradeEvent,
      ]);
    }
    // Every committed batch covers (prevSeq, seq]: consecutive messages chain without gaps.
    const level = (l: (typeof book)[number]) => ({
      price: fromAtoms(u.price(l.price)),
      quantity: fromAtoms(u.quantity(l.quantity)),
      orderCount: l.count,
    });
    events.push([
      channels.book(sym),
      {
        marketSymbol: sym,
        prevSeq: batch.prevSeq,
        seq: batch.lastSeq,
        bids: book.filter((l) => l.side === 'BUY').map(level),
        asks: book.filter((l) => l.side === 'SELL').map(level),
      } satisfies BookDeltaEvent,
    ]);
    this.committedBook.apply(book, batch.lastSeq); // same step as the delta's publication
    for (const v of views) events.push([channels.orders(v.userId), v]);
    for (const { assetCode, ...b } of result.balances) {
      events.push([channels.balances(b.userId), { ...b, asset: assetCode } satisfies BalanceEvent]);
    }
    for (const c of result.candles) events.push([channels.candles(sym, c.interval), c]);
    if (batch.trades.length > 0) events.push([channels.ticker(sym), this.ticker.view()]);
    await bus.publishAll(events);
  }

  private async replyFromDb(msg: EngineCommandMessage): Promise<CommandReply> {
    if (msg.body.kind === 'CANCEL_ALL') {
      return {
        commandId: msg.commandId,
        outcome: 'cancelled',
        fills: [],
        seq: String(this.committedSeq),
      };
    }
    const row = await this.o.db.order.findUnique({ where: { id: BigInt(msg.body.orderId) } });
    const reply: CommandReply = {
      commandId: msg.commandId,
      outcome:
        row?.status === 'REJECTED'
          ? 'rejected'
          : msg.body.kind === 'CANCEL'
            ? row?.status === 'CANCELED'
              ? 'cancelled'
              : 'rejected'
            : msg.body.kind === 'AMEND'
              ? 'amended'
              : 'placed',
      fills: [],
      seq: String(this.committedSeq),
    };
    if (row) reply.order = storedOrderState(row);
    return reply;
  }

  /** Book depth in decimals (tests, diagnostics). */
  depth(): { bids: [string, string][]; asks: [string, string][] } {
    const u = this.o.market.units;
    const f = (l: { price: number; quantity: number }): [string, string] => [
      fromAtoms(u.price(l.price)),
      fromAtoms(u.quantity(l.quantity)),
    ];
    return { bids: this.engine.depth('BUY').map(f), asks: this.engine.depth('SELL').map(f) };
  }
}

function isStopType(t: OrderTypeName) {
  return t !== 'LIMIT' && t !== 'MARKET';
}

/**
 * `updatedAt`: when the batch that last changed the order committed it, as ISO text
 * (formatted once per batch).
 */
function view(o: OrderState, marketSymbol: string, updatedAt?: string): OrderStateView {
  const v: OrderStateView = {
    id: String(o.id),
    userId: o.userId,
    marketSymbol,
    side: o.side,
    status: o.status,
    filledQuantity: fromAtoms(o.filledQuantity),
    filledQuoteQuantity: fromAtoms(o.filledQuote),
    holdRemaining: fromAtoms(o.holdRemaining),
  };
  if (o.rejectReason) v.rejectReason = o.rejectReason;
  if (o.engineSeq !== null) v.engineSeq = String(o.engineSeq);
  if (updatedAt) v.updatedAt = updatedAt;
  if (o.fixed) {
    v.details = {
      ...o.fixed,
      price: o.price === null ? null : fromAtoms(o.price),
      quantity: o.quantity === null ? null : fromAtoms(o.quantity),
    };
  }
  return v;
}

function orderFromPlace(body: PlaceCommand, market: MarketInfo): OrderState {
  const holdAsset = body.side === 'BUY' ? market.quoteAsset : market.baseAsset;
  const o: OrderState = {
    id: Number(body.orderId),
    userId: body.userId,
    accountNo: body.accountNo,
    side: body.side,
    type: body.type,
    price: body.price === undefined ? null : toAtoms(body.price),
    quantity: body.quantity === undefined ? null : toAtoms(body.quantity),
    display: body.displayQuantity === undefined ? null : toAtoms(body.displayQuantity),
    holdAsset,
    holdRemaining: toAtoms(body.hold),
    filledQuantity: 0n,
    filledQuote: 0n,
    status: 'ACCEPTED',
    engineSeq: null,
    rejectReason: null,
    visible: 0,
  };
  if (body.createdAt !== undefined) {
    const norm = (v: string | undefined) => (v === undefined ? null : fromAtoms(toAtoms(v)));
    o.fixed = {
      clientOrderId: body.clientOrderId ?? null,
      type: body.type,
      timeInForce: body.timeInForce,
      postOnly: body.postOnly,
      selfTradePrevention: body.selfTradePrevention,
      stopPrice: norm(body.stopPrice),
      quoteQuantity: norm(body.quoteQuantity),
      displayQuantity: norm(body.displayQuantity),
      holdAsset,
      createdAt: body.createdAt,
    };
  }
  return o;
}

function toCore(body: PlaceCommand, market: MarketInfo): Command {
  const u = market.units;
  const cmd: Command = {
    kind: 'place',
    orderId: Number(body.orderId),
    userId: body.accountNo,
    side: body.side,
    type: body.type,
    stp: body.selfTradePrevention,
    postOnly: body.postOnly,
  };
  if (body.type === 'LIMIT' || body.type === 'STOP_LOSS_LIMIT' || body.type === 'TAKE_PROFIT_LIMIT')
    cmd.timeInForce = body.timeInForce;
  if (body.price !== undefined) cmd.price = u.ticks(toAtoms(body.price));
  if (body.stopPrice !== undefined) cmd.stopPrice = u.ticks(toAtoms(body.stopPrice));
  if (body.quantity !== undefined) cmd.quantity = u.lots(toAtoms(body.quantity));
  if (body.displayQuantity !== undefined)
    cmd.displayQuantity = u.lots(toAtoms(body.displayQuantity));
  if (body.quoteQuantity !== undefined) {
    const budget = u.quoteBudget(toAtoms(body.quoteQuantity));
    if (budget < 1n) throw new LocalReject('INVALID_QUOTE_QUANTITY');
    cmd.quoteQuantity = budget;
  }
  const cap = stopBuyCap(body.side, body.type, toAtoms(body.hold), cmd.quantity, u);
  if (cap) {
    if (cap.price < 1) throw new LocalReject('INSUFFICIENT_FUNDS');
    Object.assign(cmd, cap);
  }
  return cmd;
}

/** Commands counted per outcome: one counter update per outcome and batch, not per command. */
function countOutcomes(metrics: EngineMetrics, market: string, replies: readonly CommandReply[]) {
  const counts = new Map<CommandReply['outcome'], number>();
  for (const r of replies) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  for (const [outcome, n] of counts) metrics.commands.inc({ market, outcome }, n);
}
