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

/** The statements of one open transaction. */
export interface SqlTx {
  query<T = unknown[]>(sql: string, ...params: unknown[]): Promise<T>;
  execute(sql: string, ...params: unknown[]): Promise<number>;
}

/** Runs `fn` inside one transaction (commit on success, rollback on error). */
export type Settler = <R>(fn: (tx: SqlTx) => Promise<R>) => Promise<R>;

/** Through Prisma's interactive transactions (simple; ~20-50 ms of overhead each). */
export function prismaSettler(db: Db): Settler {
  return (fn) =>
    db.$transaction(
      (tx) =>
        fn({
          query: (sql, ...params) => tx.$queryRawUnsafe(sql, ...params),
          execute: (sql, ...params) => tx.$executeRawUnsafe(sql, ...params),
        }),
      { timeout: 30_000, maxWait: 10_000 },
    );
}

/**
 * Everything of a batch except balances, as ONE statement (data-modifying CTEs; empty arrays
 * insert nothing): processed commands, order states, trades and their fills (joined on the
 * engine sequence), ledger rows, transactions, candles and the checkpoint. Five round trips
 * per batch instead of twelve. Counts come back so that the caller can refuse (and roll back)
 * a batch that was partly applied before. Arrays are joined (unnest), never tested with
 * `= ANY(array)`: that compares every candidate row with every element (a backlog of
 * unprocessed commands made it O(backlog × batch)).
 */
const BATCH_SQL = `
WITH cmd AS (
  UPDATE "EngineCommand" AS c SET "processedSeq" = $1
    FROM unnest($2::bigint[]) AS x(id)
   WHERE c.id = x.id AND c."processedSeq" IS NULL AND c."marketSymbol" = $3
  RETURNING 1
), ord AS (
  UPDATE "Order" AS o SET status = x.status::"OrderStatus",
         "filledQuantity" = x.fq, "filledQuoteQuantity" = x.fqq,
         "holdRemaining" = x.hold, "engineSeq" = COALESCE(x.seq, o."engineSeq"),
         "rejectReason" = COALESCE(x.reason, o."rejectReason"),
         price = COALESCE(x.price, o.price), quantity = COALESCE(x.qty, o.quantity),
         "updatedAt" = $13::timestamp(3)
    FROM unnest($4::bigint[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[],
                $9::bigint[], $10::text[], $11::numeric[], $12::numeric[])
         AS x(id, status, fq, fqq, hold, seq, reason, price, qty)
   WHERE o.id = x.id
  RETURNING 1
), tr AS (
  INSERT INTO "Trade" ("marketSymbol", "engineSeq", price, quantity, "quoteQuantity",
                       "takerSide", "makerOrderId", "takerOrderId", "executedAt")
  SELECT $3, x.seq, x.price, x.qty, x.quote, x.side::"OrderSide", x.maker, x.taker, x.at
    FROM unnest($14::bigint[], $15::numeric[], $16::numeric[], $17::numeric[], $18::text[],
                $19::bigint[], $20::bigint[], $21::timestamp(3)[])
         AS x(seq, price, qty, quote, side, maker, taker, at)
  ON CONFLICT ("marketSymbol", "engineSeq") DO NOTHING
  RETURNING id, "engineSeq"
), fl AS (
  INSERT INTO "Fill" ("tradeId", "orderId", "userId", "marketSymbol", side, price, quantity,
                      "quoteQuantity", fee, "feeAsset", "feeRate", liquidity, "executedAt")
  SELECT tr.id, x.ord, x.uid, $3, x.side::"OrderSide", x.price, x.qty, x.quote, x.fee,
         x.asset, x.rate, x.liq::"Liquidity", x.at
    FROM unnest($22::bigint[], $23::bigint[], $24::uuid[], $25::text[], $26::numeric[],
                $27::numeric[], $28::numeric[], $29::numeric[], $30::text[], $31::numeric[],
                $32::text[], $33::timestamp(3)[])
         AS x(seq, ord, uid, side, price, qty, quote, fee, asset, rate, liq, at)
    JOIN tr ON tr."engineSeq" = x.seq
  RETURNING 1
), led AS (
  INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
  SELECT x.j, x.u, x.a, x.b::"LedgerBucket", x.t::"LedgerEntryType", x.amt, x.r
    FROM unnest($34::uuid[], $35::uuid[], $36::text[], $37::text[], $38::text[], $39::numeric[],
                $40::text[]) AS x(j, u, a, b, t, amt, r)
  RETURNING 1
), txn AS (
  INSERT INTO "Transaction" (id, "userId", "assetCode", type, status, amount, fee, reference,
                             "updatedAt")
  SELECT gen_random_uuid(), x.u, x.a, x.t::"TransactionType", 'COMPLETED', x.amt, x.fee, x.r, now()
    FROM unnest($41::uuid[], $42::text[], $43::text[], $44::numeric[], $45::numeric[],
                $46::text[]) AS x(u, a, t, amt, fee, r)
  RETURNING 1
), cdl AS (
  INSERT INTO "Candle" ("marketSymbol", interval, "openTime", open, high, low, close, volume,
                        "quoteVolume", "tradeCount", "lastEngineSeq")
  SELECT $3, x.i::"CandleInterval", x.t, x.o, x.h, x.l, x.c, x.v, x.qv, x.n, x.s
    FROM unnest($47::text[], $48::timestamp(3)[], $49::numeric[], $50::numeric[],
                $51::numeric[], $52::numeric[], $53::numeric[], $54::numeric[], $55::int[],
                $56::bigint[]) AS x(i, t, o, h, l, c, v, qv, n, s)
  ON CONFLICT ("marketSymbol", interval, "openTime") DO UPDATE
     SET high = GREATEST("Candle".high, EXCLUDED.high),
         low = LEAST("Candle".low, EXCLUDED.low),
         close = EXCLUDED.close,
         volume = "Candle".volume + EXCLUDED.volume,
         "quoteVolume" = "Candle"."quoteVolume" + EXCLUDED."quoteVolume",
         "tradeCount" = "Candle"."tradeCount" + EXCLUDED."tradeCount",
         "lastEngineSeq" = EXCLUDED."lastEngineSeq"
   WHERE "Candle"."lastEngineSeq" < EXCLUDED."lastEngineSeq"
  RETURNING "marketSymbol", interval::text AS interval,
            to_char("openTime", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "openTime",
            open::text AS open, high::text AS high, low::text AS low, close::text AS close,
            volume::text AS volume, "quoteVolume"::text AS "quoteVolume", "tradeCount"
), cp AS (
  INSERT INTO "EngineCheckpoint" ("marketSymbol", "lastSeq", "lastCommandId", "updatedAt")
  VALUES ($3, $1, $57, now())
  ON CONFLICT ("marketSymbol") DO UPDATE
     SET "lastSeq" = EXCLUDED."lastSeq",
         "lastCommandId" = GREATEST("EngineCheckpoint"."lastCommandId", EXCLUDED."lastCommandId"),
         "updatedAt" = now()
  RETURNING 1
)
SELECT (SELECT count(*)::int FROM cmd) AS commands,
       (SELECT count(*)::int FROM fl) AS fills,
       (SELECT coalesce(json_agg(json_build_object('id', id::text, 'seq', "engineSeq"::text)), '[]')
          FROM tr) AS trades,
       (SELECT coalesce(json_agg(cdl), '[]') FROM cdl) AS candles`;

/** A re-applied batch that had changed nothing but its commands: roll back, report a no-op. */
class AlreadyApplied extends Error {}

/**
 * PostgreSQL array literal of text elements (NULL for null). Most elements (decimals, ids,
 * enum names, timestamps) need no quoting; the rest are quoted and escaped. Built by hand
 * because pg's generic array serialisation escaped every element and took as long as the
 * statement's inserts.
 */
export function pgArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) out += ',';
    if (v === null) out += 'NULL';
    else if (v !== '' && /^[\w.:+-]+$/.test(v) && v.toUpperCase() !== 'NULL') out += v;
    else out += `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/** A batch's statement parameters, ready to send: built while the previous batch commits. */
export interface EncodedBatch {
  statement: unknown[];
  /** Balance deltas sorted by (user, asset): the lock order. */
  balances: [string, string, string, string] | null;
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
  ];
  let balances: EncodedBatch['balances'] = null;
  if (batch.balances.length > 0) {
    // Lock in a fixed order: no deadlock between markets settling the same users.
    // (Code-point order, as PostgreSQL orders uuids and intake orders asset codes: COLLATE "C".)
    const before = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const b = [...batch.balances].sort((p, q) =>
      p.userId === q.userId ? before(p.assetCode, q.assetCode) : before(p.userId, q.userId),
    );
    balances = [
      pgArray(b.map((r) => r.userId)),
      pgArray(b.map((r) => r.assetCode)),
      pgArray(b.map((r) => fromAtoms(r.available))),
      pgArray(b.map((r) => fromAtoms(r.locked))),
    ];
  }
  return { statement, balances };
}

export async function applyBatch(
  target: Db | Settler,
  batch: Batch,
  encoded: EncodedBatch = encodeBatch(batch),
): Promise<BatchResult> {
  const settle = typeof target === 'function' ? target : prismaSettler(target);
  const noop: BatchResult = { applied: false, tradeIds: new Map(), balances: [], candles: [] };
  try {
    return await settle((tx) => applyInTransaction(tx, batch, encoded, noop));
  } catch (error) {
    if (error instanceof AlreadyApplied) return noop;
    throw error;
  }
}

async function applyInTransaction(
  tx: SqlTx,
  batch: Batch,
  encoded: EncodedBatch,
  noop: BatchResult,
) {
  const sym = batch.marketSymbol;
  const [cp] = await tx.query<{ lastSeq: string }[]>(
    `SELECT "lastSeq"::text AS "lastSeq" FROM "EngineCheckpoint" WHERE "marketSymbol" = $1 FOR UPDATE`,
    sym,
  );
  const committed = cp ? Number(cp.lastSeq) : 0;
  if (committed > batch.prevSeq && committed >= batch.lastSeq) return noop;
  if (committed !== batch.prevSeq) {
    throw new FencedError(
      `${sym}: checkpoint at ${committed}, batch expects ${batch.prevSeq} (another writer?)`,
    );
  }

  const [done] = await tx.query<
    {
      commands: number;
      fills: number;
      trades: { id: string; seq: string }[];
      candles: CandleView[];
    }[]
  >(BATCH_SQL, ...encoded.statement);
  if (!done) throw new Error(`${sym}: settlement statement returned nothing`);
  if (done.commands !== batch.commandIds.length) {
    // A batch without events (only locally refused commands) re-applied: nothing to do.
    if (done.commands === 0 && batch.lastSeq === batch.prevSeq) throw new AlreadyApplied();
    throw new FencedError(`${sym}: a command of the batch was already processed`);
  }
  const fillCount = 2 * batch.trades.length;
  if (done.trades.length !== batch.trades.length || done.fills !== fillCount) {
    throw new FencedError(`${sym}: trades already recorded`);
  }
  const tradeIds = new Map<number, bigint>();
  for (const r of done.trades) tradeIds.set(Number(r.seq), BigInt(r.id));
  const candles: CandleView[] = done.candles;

  let balances: BalanceView[] = [];
  const args = encoded.balances;
  if (args) {
    // Lock in the encoded (sorted) order, then update existing rows and create missing
    // ones. (INSERT … ON CONFLICT would check the non-negative constraints on the delta row.)
    await tx.query(
      `SELECT 1 FROM "Balance" b
             JOIN unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(u, a, i)
               ON b."userId" = x.u AND b."assetCode" = x.a
            ORDER BY x.i FOR UPDATE OF b`,
      args[0],
      args[1],
    );
    balances = await tx.query<BalanceView[]>(
      `WITH x AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::numeric[])
                                 AS x(u, a, av, lk)),
                upd AS (UPDATE "Balance" b SET available = b.available + x.av,
                               locked = b.locked + x.lk, "updatedAt" = now()
                          FROM x WHERE b."userId" = x.u AND b."assetCode" = x.a
                        RETURNING b."userId", b."assetCode", b.available, b.locked),
                ins AS (INSERT INTO "Balance" ("userId", "assetCode", available, locked, "updatedAt")
                        SELECT x.u, x.a, x.av, x.lk, now() FROM x
                         WHERE NOT EXISTS (SELECT 1 FROM "Balance" b
                                            WHERE b."userId" = x.u AND b."assetCode" = x.a)
                        RETURNING "userId", "assetCode", available, locked)
           SELECT "userId"::text AS "userId", "assetCode", available::text AS available,
                  locked::text AS locked FROM upd
           UNION ALL
           SELECT "userId"::text, "assetCode", available::text, locked::text FROM ins`,
      ...args,
    );
  }

  return { applied: true, tradeIds, balances, candles };
}
