// Group commit: one PostgreSQL transaction applies everything a batch of engine commands
// produced — order states, trades, fills, double-entry ledger rows with their balance
// movements, released holds, candles, processed commands and the market checkpoint.
// The checkpoint makes it idempotent: a batch whose last sequence is already committed
// is a no-op, and one that does not start right after the checkpoint is refused (gap or
// a second writer). With an ownership lock, the transaction runs on the very connection
// that holds the lock: a process that lost the market cannot commit anything (fencing).
import type { CandleEvent } from '@flowex/bus';
import type { Db, LedgerBucket, LedgerEntryType } from '@flowex/db';
import type { CandleDelta } from './candles.ts';
import { fromAtoms } from './units.ts';

export interface OrderRow {
  id: bigint;
  status: string;
  /** Limit price and total quantity (they change on amend). */
  price: bigint | null;
  quantity: bigint | null;
  filledQuantity: bigint;
  filledQuoteQuantity: bigint;
  holdRemaining: bigint;
  engineSeq: number | null;
  rejectReason: string | null;
}

export interface FillRow {
  orderId: bigint;
  userId: string;
  side: 'BUY' | 'SELL';
  fee: bigint;
  feeAsset: string;
  feeRate: bigint;
  liquidity: 'MAKER' | 'TAKER';
}

export interface TradeRow {
  seq: number;
  price: bigint;
  quantity: bigint;
  quote: bigint;
  takerSide: 'BUY' | 'SELL';
  makerOrderId: bigint;
  takerOrderId: bigint;
  executedAt: Date;
  fills: [FillRow, FillRow];
}

export interface LedgerRow {
  journalId: string;
  userId: string | null;
  assetCode: string;
  bucket: LedgerBucket;
  type: LedgerEntryType;
  amount: bigint;
  reference: string;
}

export interface TransactionRow {
  userId: string;
  assetCode: string;
  type: 'TRADE' | 'FEE';
  amount: bigint;
  fee: bigint;
  reference: string;
}

export interface BalanceDelta {
  userId: string;
  assetCode: string;
  available: bigint;
  locked: bigint;
}

export interface Batch {
  marketSymbol: string;
  /** Sequence the checkpoint must be at (the previous batch's last). */
  prevSeq: number;
  /** Last engine sequence of this batch (== prevSeq when no event was produced). */
  lastSeq: number;
  commandIds: bigint[];
  orders: OrderRow[];
  trades: TradeRow[];
  ledger: LedgerRow[];
  balances: BalanceDelta[];
  transactions: TransactionRow[];
  candles: CandleDelta[];
  /** When the batch was folded: the orders' updatedAt (what the replies say). */
  at: Date;
}

export interface BalanceView {
  userId: string;
  assetCode: string;
  available: string;
  locked: string;
}

/** A touched candle as committed: exactly what `candles:<market>:<interval>` carries. */
export type CandleView = CandleEvent;

export interface BatchResult {
  applied: boolean;
  tradeIds: Map<number, bigint>;
  /** Balances of every touched (user, asset) after the batch. */
  balances: BalanceView[];
  /** Every touched candle after the batch. */
  candles: CandleView[];
}

export class FencedError extends Error {
  override name = 'FencedError';
}

/** A statement with a name: parsed once per connection (a named prepared statement). */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Runs ONE statement as its own transaction (autocommit) and returns its rows: the market
 * lock's connection when markets are owned, else the Prisma client's pool.
 */
export type Settler = <T>(statement: NamedStatement, params: unknown[]) => Promise<T[]>;

export function prismaSettler(db: Db): Settler {
  return (statement, params) => db.$queryRawUnsafe(statement.text, ...params);
}

/**
 * The whole batch in one call of `flowex_settle_batch` (migration
 * 20261201220000_settle_batch_function): checkpoint check, processed commands, order states,
 * trades and fills, ledger rows, transactions, candles, checkpoint and balances — one round
 * trip and one transaction. Its arguments are `EncodedBatch.statement`, in order; PostgreSQL
 * takes their types from the function's signature.
 */
const SETTLE: NamedStatement = {
  name: 'flowex_settle_batch',
  text: `SELECT flowex_settle_batch(${Array.from({ length: 62 }, (_, i) => `$${i + 1}`).join(', ')}) AS r`,
};

/** SQLSTATEs the function raises (see its migration). */
const FENCED = 'FX409';
const ALREADY_APPLIED = 'FX304';

/**
 * PostgreSQL array literal of text elements (NULL for null). Most elements (decimals, ids,
 * enum names, timestamps) need no quoting; the rest are quoted and escaped. Built by hand
 * because pg's generic array serialisation escaped every element and took as long as the
 * statement's inserts.
 */
export function pgArray(values: readonly (string | null)[]): string {
  // One join in the common case: each `+=` of a loop left a string node behind, and these
  // literals were the largest single source of garbage in the engine process.
  for (const v of values) {
    if (v === null || !PLAIN.test(v) || isNullWord(v)) return quotedArray(values);
  }
  return `{${values.join(',')}}`;
}

/** Elements that need no quotes in an array literal (decimals, ids, enum names, times). */
const PLAIN = /^[\w.:+-]+$/;

/** "null" in any case would read as NULL unquoted. */
const isNullWord = (v: string) => v.length === 4 && v.toUpperCase() === 'NULL';

function quotedArray(values: readonly (string | null)[]): string {
  const parts = values.map((v) => {
    if (v === null) return 'NULL';
    if (PLAIN.test(v) && !isNullWord(v)) return v;
    return `"${v.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${parts.join(',')}}`;
}

/** A batch's call parameters, ready to send: built while the previous batch commits. */
export interface EncodedBatch {
  statement: unknown[];
}

export function encodeBatch(batch: Batch): EncodedBatch {
  let maxCommand = 0n; // (bigints: no Math.max)
  for (const id of batch.commandIds) if (id > maxCommand) maxCommand = id;
  const o = batch.orders;
  const t = batch.trades;
  const fills = t.flatMap((trade) => trade.fills.map((f) => ({ trade, f })));
  const l = batch.ledger;
  const x = batch.transactions;
  const c = batch.candles;
  const opt = (v: bigint | null) => (v === null ? null : fromAtoms(v));
  const statement = [
    batch.lastSeq,
    pgArray(batch.commandIds.map(String)),
    batch.marketSymbol,
    pgArray(o.map((r) => String(r.id))),
    pgArray(o.map((r) => r.status)),
    pgArray(o.map((r) => fromAtoms(r.filledQuantity))),
    pgArray(o.map((r) => fromAtoms(r.filledQuoteQuantity))),
    pgArray(o.map((r) => fromAtoms(r.holdRemaining))),
    pgArray(o.map((r) => (r.engineSeq === null ? null : String(r.engineSeq)))),
    pgArray(o.map((r) => r.rejectReason)),
    pgArray(o.map((r) => opt(r.price))),
    pgArray(o.map((r) => opt(r.quantity))),
    batch.at.toISOString(),
    pgArray(t.map((r) => String(r.seq))),
    pgArray(t.map((r) => fromAtoms(r.price))),
    pgArray(t.map((r) => fromAtoms(r.quantity))),
    pgArray(t.map((r) => fromAtoms(r.quote))),
    pgArray(t.map((r) => r.takerSide)),
    pgArray(t.map((r) => String(r.makerOrderId))),
    pgArray(t.map((r) => String(r.takerOrderId))),
    pgArray(t.map((r) => r.executedAt.toISOString())),
    pgArray(fills.map(({ trade }) => String(trade.seq))),
    pgArray(fills.map(({ f }) => String(f.orderId))),
    pgArray(fills.map(({ f }) => f.userId)),
    pgArray(fills.map(({ f }) => f.side)),
    pgArray(fills.map(({ trade }) => fromAtoms(trade.price))),
    pgArray(fills.map(({ trade }) => fromAtoms(trade.quantity))),
    pgArray(fills.map(({ trade }) => fromAtoms(trade.quote))),
    pgArray(fills.map(({ f }) => fromAtoms(f.fee))),
    pgArray(fills.map(({ f }) => f.feeAsset)),
    pgArray(fills.map(({ f }) => fromAtoms(f.feeRate))),
    pgArray(fills.map(({ f }) => f.liquidity)),
    pgArray(fills.map(({ trade }) => trade.executedAt.toISOString())),
    pgArray(l.map((r) => r.journalId)),
    pgArray(l.map((r) => r.userId)),
    pgArray(l.map((r) => r.assetCode)),
    pgArray(l.map((r) => r.bucket)),
    pgArray(l.map((r) => r.type)),
    pgArray(l.map((r) => fromAtoms(r.amount))),
    pgArray(l.map((r) => r.reference)),
    pgArray(x.map((r) => r.userId)),
    pgArray(x.map((r) => r.assetCode)),
    pgArray(x.map((r) => r.type)),
    pgArray(x.map((r) => fromAtoms(r.amount))),
    pgArray(x.map((r) => fromAtoms(r.fee))),
    pgArray(x.map((r) => r.reference)),
    pgArray(c.map((r) => r.interval)),
    pgArray(c.map((r) => new Date(r.openTime).toISOString())),
    pgArray(c.map((r) => fromAtoms(r.open))),
    pgArray(c.map((r) => fromAtoms(r.high))),
    pgArray(c.map((r) => fromAtoms(r.low))),
    pgArray(c.map((r) => fromAtoms(r.close))),
    pgArray(c.map((r) => fromAtoms(r.volume))),
    pgArray(c.map((r) => fromAtoms(r.quoteVolume))),
    pgArray(c.map((r) => String(r.tradeCount))),
    pgArray(c.map((r) => String(r.lastSeq))),
    String(maxCommand),
    batch.prevSeq,
  ];
  // Balance rows are locked in a fixed order: no deadlock between markets settling the same
  // users. (Code-point order, as PostgreSQL orders uuids and intake orders asset codes:
  // COLLATE "C".)
  const before = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const b = [...batch.balances].sort((p, q) =>
    p.userId === q.userId ? before(p.assetCode, q.assetCode) : before(p.userId, q.userId),
  );
  statement.push(
    pgArray(b.map((r) => r.userId)),
    pgArray(b.map((r) => r.assetCode)),
    pgArray(b.map((r) => fromAtoms(r.available))),
    pgArray(b.map((r) => fromAtoms(r.locked))),
  );
  return { statement };
}

export async function applyBatch(
  target: Db | Settler,
  batch: Batch,
  encoded: EncodedBatch = encodeBatch(batch),
): Promise<BatchResult> {
  const settle = typeof target === 'function' ? target : prismaSettler(target);
  const noop: BatchResult = { applied: false, tradeIds: new Map(), balances: [], candles: [] };
  let done: SettledJson | undefined;
  try {
    [done] = (await settle<{ r: SettledJson }>(SETTLE, encoded.statement)).map((row) => row.r);
  } catch (error) {
    if (hasSqlState(error, ALREADY_APPLIED)) return noop;
    if (hasSqlState(error, FENCED)) throw new FencedError(errorMessage(error));
    throw error;
  }
  if (!done) throw new Error(`${batch.marketSymbol}: settlement returned nothing`);
  if (!done.applied) return noop;
  const tradeIds = new Map<number, bigint>();
  for (const r of done.trades) tradeIds.set(Number(r.seq), BigInt(r.id));
  return { applied: true, tradeIds, balances: done.balances, candles: done.candles };
}

interface SettledJson {
  applied: boolean;
  trades: { id: string; seq: string }[];
  candles: CandleView[];
  balances: BalanceView[];
}

/** Whether a statement failed with this SQLSTATE (through `pg` or Prisma's driver adapter). */
function hasSqlState(error: unknown, code: string): boolean {
  const e = error as { code?: unknown; meta?: { code?: unknown }; cause?: { code?: unknown } };
  return (
    e.code === code ||
    e.meta?.code === code ||
    e.cause?.code === code ||
    errorMessage(error).includes(code)
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
