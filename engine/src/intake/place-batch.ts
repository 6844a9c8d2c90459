// Group commit for intake. Orders submitted while earlier ones are being recorded are
// recorded together: one statement (one transaction, one WAL flush) for many orders instead
// of one each. Under light load every order still goes alone, through the single-order
// statement, so nothing waits for company.
//
// The batch statement only ACCEPTS what the single-order statement would accept. Each
// check counts every earlier order of the batch as if it had been accepted (their holds
// against the balance, their number against the open-order limit), so it can refuse an
// order that alone would pass, never the reverse. Whatever it does not accept, and every
// order of a batch whose statement failed (a clientOrderId already used, a balance that
// moved under it, a deadlock), is then recorded alone by the single-order statement, which
// gives the exact answer and error. Balance rows are locked in (user, asset) order, as
// settlement locks them, so intake and settlement never deadlock.
import type pg from 'pg';
import { pgArray } from '../service/settlement.ts';

/** The single-order statement's parameters ($1…$20 of PLACE_SQL in submit.ts). */
export type PlaceValues = [
  userId: string,
  marketSymbol: string,
  clientOrderId: string | null,
  side: string,
  type: string,
  timeInForce: string,
  postOnly: boolean,
  selfTradePrevention: string,
  price: string | null,
  stopPrice: string | null,
  quantity: string | null,
  quoteQuantity: string | null,
  displayQuantity: string | null,
  holdAsset: string,
  hold: string,
  payload: string,
  traceparent: string | null,
  maxOpenOrders: number | null,
  journalId: string,
  priceBandPercent: string | null,
];

export interface PlaceRow {
  accountNo: number | null;
  marketStatus: string | null;
  open: number | null;
  inBand: boolean;
  lastPrice: string | null;
  orderId: string | null;
  createdAt: string | null;
  commandId: string | null;
  available: string | null;
  locked: string | null;
}

const STAMP = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

const PLACE_BATCH_SQL = `
WITH x AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
                       $8::text[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[],
                       $13::numeric[], $14::text[], $15::numeric[], $16::jsonb[], $17::text[],
                       $18::int[], $19::uuid[], $20::numeric[])
    WITH ORDINALITY AS x(uid, cid, side, type, tif, post, stp, price, stop, qty, qq, disp, asset,
                         hold, payload, tp, maxopen, jid, band, i)
), m AS (
  SELECT status::text AS status FROM "Market" WHERE symbol = $1
), lp AS (
  SELECT price FROM "Trade"
   WHERE "marketSymbol" = $1 AND EXISTS (SELECT 1 FROM x WHERE band IS NOT NULL)
   ORDER BY "engineSeq" DESC LIMIT 1
), n AS (
  SELECT "userId" AS uid, count(*)::int AS open FROM "Order"
   WHERE "marketSymbol" = $1 AND "userId" IN (SELECT uid FROM x WHERE maxopen IS NOT NULL)
     AND status IN ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED')
   GROUP BY 1
), c AS (
  SELECT x.*, u."accountNo",
         sum(x.hold) OVER (PARTITION BY x.uid, x.asset ORDER BY x.i) AS need,
         row_number() OVER (PARTITION BY x.uid ORDER BY x.i) - 1 AS before
    FROM x JOIN "User" u ON u.id = x.uid AND NOT u."isSystem"
), ok AS (
  SELECT c.*, nextval('"Order_id_seq"') AS oid, nextval('"EngineCommand_id_seq"') AS cmdid
    FROM c CROSS JOIN m
    LEFT JOIN n ON n.uid = c.uid
    LEFT JOIN "Balance" b ON b."userId" = c.uid AND b."assetCode" = c.asset
   WHERE m.status = 'TRADING' AND c.hold > 0 AND c.need <= b.available
     AND (c.maxopen IS NULL OR coalesce(n.open, 0) + c.before < c.maxopen)
     AND (c.band IS NULL OR NOT EXISTS (
           SELECT 1 FROM lp, (VALUES (c.price), (c.stop)) AS p(v)
            WHERE lp.price > 0 AND p.v IS NOT NULL
              AND (p.v < lp.price * (1 - c.band / 100) OR p.v > lp.price * (1 + c.band / 100))))
), lk AS (
  SELECT 1 FROM "Balance" b JOIN (SELECT DISTINCT uid, asset FROM ok) s
      ON b."userId" = s.uid AND b."assetCode" = s.asset
   ORDER BY b."userId", b."assetCode" COLLATE "C" FOR UPDATE OF b
), bal AS (
  UPDATE "Balance" b SET available = b.available - s.total, locked = b.locked + s.total,
         "updatedAt" = now()
    FROM (SELECT uid, asset, sum(hold) AS total FROM ok GROUP BY 1, 2) s
   WHERE b."userId" = s.uid AND b."assetCode" = s.asset AND (SELECT count(*) FROM lk) >= 0
  RETURNING b."userId" AS uid, b."assetCode" AS asset, b.available::text AS available,
            b.locked::text AS locked
), o AS (
  INSERT INTO "Order" (id, "userId", "marketSymbol", "clientOrderId", side, type, "timeInForce",
                       "postOnly", "selfTradePrevention", price, "stopPrice", quantity,
                       "quoteQuantity", "displayQuantity", "holdAsset", "holdRemaining", "updatedAt")
  SELECT oid, uid, $1, cid, side::"OrderSide", type::"OrderType", tif::"TimeInForce", post,
         stp::"SelfTradePrevention", price, stop, qty, qq, disp, asset, hold, now()
    FROM ok
  RETURNING id, "createdAt"
), journal AS (
  INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
  SELECT ok.jid, ok.uid, ok.asset, v.bucket::"LedgerBucket", 'HOLD', v.amount, 'order:' || ok.oid
    FROM ok, LATERAL (VALUES ('AVAILABLE', -ok.hold), ('LOCKED', ok.hold)) AS v(bucket, amount)
), cmd AS (
  INSERT INTO "EngineCommand" (id, "marketSymbol", kind, "orderId", "userId", payload, traceparent)
  SELECT ok.cmdid, $1, 'PLACE', ok.oid, ok.uid,
         ok.payload || jsonb_build_object('orderId', ok.oid::text, 'accountNo', ok."accountNo",
           'createdAt', to_char(o."createdAt", ${STAMP})), ok.tp
    FROM ok JOIN o ON o.id = ok.oid
)
SELECT x.i::int AS i, ok.oid::text AS "orderId", ok.cmdid::text AS "commandId", ok."accountNo",
       to_char(o."createdAt", ${STAMP}) AS "createdAt", bal.available, bal.locked
  FROM x LEFT JOIN ok ON ok.i = x.i LEFT JOIN o ON o.id = ok.oid
         LEFT JOIN bal ON bal.uid = ok.uid AND bal.asset = ok.asset
 ORDER BY x.i`;

interface BatchRow {
  i: number;
  orderId: string | null;
  commandId: string | null;
  accountNo: number | null;
  createdAt: string | null;
  available: string | null;
  locked: string | null;
}

interface Pending {
  values: PlaceValues;
  resolve: (row: PlaceRow) => void;
  reject: (error: unknown) => void;
}

/** Records one order alone (the exact single-order statement). */
export type PlaceOne = (values: PlaceValues) => Promise<PlaceRow>;

export class PlaceBatcher {
  private readonly pending = new Map<string, Pending[]>();
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly placeOne: PlaceOne,
    /** Batch statements in flight at once; more orders wait and join the next batch. */
    private readonly maxInFlight = 4,
    private readonly maxBatch = 500,
  ) {}

  place(values: PlaceValues): Promise<PlaceRow> {
    return new Promise((resolve, reject) => {
      const market = values[1];
      const list = this.pending.get(market) ?? [];
      if (list.length === 0) this.pending.set(market, list);
      list.push({ values, resolve, reject });
      this.schedule();
    });
  }

  /** Flush on the next turn, so that orders submitted in the same turn go together. */
  private schedule() {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush() {
    for (const [market, list] of this.pending) {
      while (list.length > 0 && this.inFlight < this.maxInFlight) {
        const group = list.splice(0, this.maxBatch);
        this.inFlight++;
        this.record(group)
          .catch(() => {}) // each order's own promise carries its outcome
          .finally(() => {
            this.inFlight--;
            this.schedule();
          });
      }
      if (list.length === 0) this.pending.delete(market);
    }
  }

  private async record(group: Pending[]) {
    if (group.length === 1) return this.alone(group[0]!);
    let rows: BatchRow[];
    try {
      rows = await this.batch(group.map((p) => p.values));
    } catch {
      // Nothing of the batch was recorded: each order on its own gets its exact answer.
      await Promise.all(group.map((p) => this.alone(p)));
      return;
    }
    const retry: Pending[] = [];
    for (const row of rows) {
      const p = group[row.i - 1]!;
      if (row.orderId === null) {
        retry.push(p);
        continue;
      }
      p.resolve({
        accountNo: row.accountNo,
        marketStatus: 'TRADING',
        open: null,
        inBand: true,
        lastPrice: null,
        orderId: row.orderId,
        createdAt: row.createdAt,
        commandId: row.commandId,
        available: row.available,
        locked: row.locked,
      });
    }
    await Promise.all(retry.map((p) => this.alone(p)));
  }

  private async alone(p: Pending) {
    try {
      p.resolve(await this.placeOne(p.values));
    } catch (error) {
      p.reject(error);
    }
  }

  private async batch(list: PlaceValues[]): Promise<BatchRow[]> {
    const col = (k: number) =>
      pgArray(list.map((v) => (v[k] === null ? null : String(v[k] as string | number | boolean))));
    const params: unknown[] = [list[0]![1]];
    for (let k = 0; k < 20; k++) if (k !== 1) params.push(col(k));
    const result = await this.pool.query<BatchRow>({
      name: 'intake_place_batch',
      text: PLACE_BATCH_SQL,
      values: params,
    });
    return result.rows;
  }
}
