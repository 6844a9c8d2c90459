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

/**
 * An array literal of elements that never need quotes and are never null: ids, decimals
 * from `fromAtoms`, uuids, enum names, ISO timestamps. (pgArray checks every element.)
 */
const plainArray = (values: readonly string[]) => `{${values.join(',')}}`;

/** `N` empty columns of `T`, as a tuple: each can be named by destructuring. */
type Columns<T, N extends number, A extends T[][] = []> = A['length'] extends N
  ? A
  : Columns<T, N, [...A, T[]]>;

/**
 * Column by column, one pass per kind of row. Values repeated across rows are converted
 * once: a trade's price, quantity and quote serve its two fills, and every row of a batch
 * carries the same timestamp.
 */
export function encodeBatch(batch: Batch): EncodedBatch {
  let maxCommand = 0n; // (bigints: no Math.max)
  for (const id of batch.commandIds) if (id > maxCommand) maxCommand = id;
  const columns = <N extends number>(n: N) =>
    Array.from({ length: n }, () => []) as unknown as Columns<string, N>;
  const nullable = <N extends number>(n: N) =>
    Array.from({ length: n }, () => []) as unknown as Columns<string | null, N>;
  let lastTime = Number.NaN;
  let lastIso = '';
  const iso = (d: Date) => {
    const time = d.getTime();
    if (time !== lastTime) {
      lastTime = time;
      lastIso = d.toISOString();
    }
    return lastIso;
  };

  const [oId, oStatus, oFilled, oFilledQuote, oHold] = columns(5);
  const [oSeq, oReason, oPrice, oQty] = nullable(4);
  for (const r of batch.orders) {
    oId.push(String(r.id));
    oStatus.push(r.status);
    oFilled.push(fromAtoms(r.filledQuantity));
    oFilledQuote.push(fromAtoms(r.filledQuoteQuantity));
    oHold.push(fromAtoms(r.holdRemaining));
    oSeq.push(r.engineSeq === null ? null : String(r.engineSeq));
    oReason.push(r.rejectReason);
    oPrice.push(r.price === null ? null : fromAtoms(r.price));
    oQty.push(r.quantity === null ? null : fromAtoms(r.quantity));
  }

  const [tSeq, tPrice, tQty, tQuote, tSide, tMaker, tTaker, tAt] = columns(8);
  const [fSeq, fOrder, fUser, fSide, fPrice, fQty, fQuote, fFee, fRate, fLiq, fAt] = columns(11);
  const fAsset: string[] = [];
  for (const r of batch.trades) {
    const seq = String(r.seq);
    const price = fromAtoms(r.price);
    const qty = fromAtoms(r.quantity);
    const quote = fromAtoms(r.quote);
    const at = iso(r.executedAt);
    tSeq.push(seq);
    tPrice.push(price);
    tQty.push(qty);
    tQuote.push(quote);
    tSide.push(r.takerSide);
    tMaker.push(String(r.makerOrderId));
    tTaker.push(String(r.takerOrderId));
    tAt.push(at);
    for (const f of r.fills) {
      fSeq.push(seq);
      fOrder.push(String(f.orderId));
      fUser.push(f.userId);
      fSide.push(f.side);
      fPrice.push(price);
      fQty.push(qty);
      fQuote.push(quote);
      fFee.push(fromAtoms(f.fee));
      fAsset.push(f.feeAsset);
      fRate.push(fromAtoms(f.feeRate));
      fLiq.push(f.liquidity);
      fAt.push(at);
    }
  }

  const [lJournal, lBucket, lType, lAmount] = columns(4);
  const [lUser, lAsset, lReference] = nullable(3);
  for (const r of batch.ledger) {
    lJournal.push(r.journalId);
    lUser.push(r.userId);
    lAsset.push(r.assetCode);
    lBucket.push(r.bucket);
    lType.push(r.type);
    lAmount.push(fromAtoms(r.amount));
    lReference.push(r.reference);
  }

  const [xUser, xType, xAmount, xFee] = columns(4);
  const [xAsset, xReference] = nullable(2);
  for (const r of batch.transactions) {
    xUser.push(r.userId);
    xAsset.push(r.assetCode);
    xType.push(r.type);
    xAmount.push(fromAtoms(r.amount));
    xFee.push(fromAtoms(r.fee));
    xReference.push(r.reference);
  }

  const [cInterval, cOpenTime, cOpen, cHigh, cLow, cClose, cVolume, cQuoteVolume, cTrades, cSeq] =
    columns(10);
  for (const r of batch.candles) {
    cInterval.push(r.interval);
    cOpenTime.push(new Date(r.openTime).toISOString());
    cOpen.push(fromAtoms(r.open));
    cHigh.push(fromAtoms(r.high));
    cLow.push(fromAtoms(r.low));
    cClose.push(fromAtoms(r.close));
    cVolume.push(fromAtoms(r.volume));
    cQuoteVolume.push(fromAtoms(r.quoteVolume));
    cTrades.push(String(r.tradeCount));
    cSeq.push(String(r.lastSeq));
  }

  // Balance rows are locked in a fixed order: no deadlock between markets settling the same
  // users. (Code-point order, as PostgreSQL orders uuids and intake orders asset codes:
  // COLLATE "C".)
  const before = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const balances = [...batch.balances].sort((p, q) =>
    p.userId === q.userId ? before(p.assetCode, q.assetCode) : before(p.userId, q.userId),
  );
  const [bUser, bAvailable, bLocked] = columns(3);
  const bAsset: string[] = [];
  for (const r of balances) {
    bUser.push(r.userId);
    bAsset.push(r.assetCode);
    bAvailable.push(fromAtoms(r.available));
    bLocked.push(fromAtoms(r.locked));
  }

  const statement = [
    batch.lastSeq,
    plainArray(batch.commandIds.map(String)),
    batch.marketSymbol,
    plainArray(oId),
    plainArray(oStatus),
    plainArray(oFilled),
    plainArray(oFilledQuote),
    plainArray(oHold),
    pgArray(oSeq),
    pgArray(oReason),
    pgArray(oPrice),
    pgArray(oQty),
    iso(batch.at),
    plainArray(tSeq),
    plainArray(tPrice),
    plainArray(tQty),
    plainArray(tQuote),
    plainArray(tSide),
    plainArray(tMaker),
    plainArray(tTaker),
    plainArray(tAt),
    plainArray(fSeq),
    plainArray(fOrder),
    plainArray(fUser),
    plainArray(fSide),
    plainArray(fPrice),
    plainArray(fQty),
    plainArray(fQuote),
    plainArray(fFee),
    pgArray(fAsset),
    plainArray(fRate),
    plainArray(fLiq),
    plainArray(fAt),
    plainArray(lJournal),
    pgArray(lUser),
    pgArray(lAsset),
    plainArray(lBucket),
    plainArray(lType),
    plainArray(lAmount),
    pgArray(lReference),
    plainArray(xUser),
    pgArray(xAsset),
    plainArray(xType),
    plainArray(xAmount),
    plainArray(xFee),
    pgArray(xReference),
    plainArray(cInterval),
    plainArray(cOpenTime),
    plainArray(cOpen),
    plainArray(cHigh),
    plainArray(cLow),
    plainArray(cClose),
    plainArray(cVolume),
    plainArray(cQuoteVolume),
    plainArray(cTrades),
    plainArray(cSeq),
    String(maxCommand),
    batch.prevSeq,
    plainArray(bUser),
    pgArray(bAsset),
    plainArray(bAvailable),
    plainArray(bLocked),
  ];
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
