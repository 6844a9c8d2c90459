// Group commit for cancels (./group-commit.ts). A cancel is recorded as an EngineCommand row
// before the engine hears of it; cancels submitted while earlier ones are being recorded now
// share one statement and one commit instead of a transaction each (under load they were most
// of PostgreSQL's transactions). A cancel submitted alone still goes alone, at once.
import type pg from 'pg';
import { pgArray } from '../service/settlement.ts';
import { GroupCommit } from './group-commit.ts';

export type CancelValues = [orderId: string, userId: string, traceparent: string | null];

export interface CancelRow {
  /** Null: no such order of this user. */
  status: string | null;
  marketSymbol: string | null;
  accountNo: number | null;
  /** Null: the order is no longer open, nothing was recorded. */
  commandId: string | null;
}

/** One cancel: the caller's own order and, while it is open, its CANCEL command. */
const CANCEL_SQL = `
WITH o AS (
  SELECT o.id, o.status::text AS status, o."marketSymbol", u."accountNo"
    FROM "Order" o JOIN "User" u ON u.id = o."userId"
   WHERE o.id = $1::bigint AND o."userId" = $2::uuid
), cmd AS (
  INSERT INTO "EngineCommand" ("marketSymbol", kind, "orderId", "userId", payload, traceparent)
  SELECT o."marketSymbol", 'CANCEL', o.id, $2::uuid,
         jsonb_build_object('kind', 'CANCEL', 'orderId', o.id::text, 'userId', $2::text,
                            'accountNo', o."accountNo"), $3
    FROM o WHERE o.status IN ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED')
  RETURNING id
)
SELECT o.status, o."marketSymbol", o."accountNo", cmd.id::text AS "commandId"
  FROM (SELECT 1) AS one LEFT JOIN o ON true LEFT JOIN cmd ON true`;

/**
 * A group of cancels, each recorded exactly as CANCEL_SQL records it; row i answers cancel i.
 * Command ids are drawn per open order up front (the CTE is materialised once), so that each
 * answer names its own command even when one order is cancelled twice in the group.
 */
const CANCEL_BATCH_SQL = `
WITH x AS (
  SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[]) WITH ORDINALITY AS x(oid, uid, tp, i)
), o AS (
  SELECT x.i, x.uid, x.tp, o.id, o.status::text AS status, o."marketSymbol", u."accountNo",
         CASE WHEN o.status IN ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED')
              THEN nextval('"EngineCommand_id_seq"') END AS cmdid
    FROM x JOIN "Order" o ON o.id = x.oid AND o."userId" = x.uid
           JOIN "User" u ON u.id = o."userId"
), cmd AS (
  INSERT INTO "EngineCommand" (id, "marketSymbol", kind, "orderId", "userId", payload, traceparent)
  SELECT o.cmdid, o."marketSymbol", 'CANCEL', o.id, o.uid,
         jsonb_build_object('kind', 'CANCEL', 'orderId', o.id::text, 'userId', o.uid::text,
                            'accountNo', o."accountNo"), o.tp
    FROM o WHERE o.cmdid IS NOT NULL
)
SELECT x.i::int AS i, o.status, o."marketSymbol", o."accountNo", o.cmdid::text AS "commandId"
  FROM x LEFT JOIN o ON o.i = x.i
 ORDER BY x.i`;

export class CancelBatcher {
  private readonly groups: GroupCommit<CancelValues, CancelRow>;

  constructor(
    private readonly pool: pg.Pool,
    maxInFlight = 4,
    maxBatch = 500,
  ) {
    this.groups = new GroupCommit(
      { one: (values) => this.one(values), many: (list) => this.many(list) },
      maxInFlight,
      maxBatch,
    );
  }

  cancel(values: CancelValues): Promise<CancelRow> {
    return this.groups.submit(values);
  }

  private async one(values: CancelValues): Promise<CancelRow> {
    const { rows } = await this.pool.query<CancelRow>({
      name: 'intake_cancel',
      text: CANCEL_SQL,
      values,
    });
    return rows[0]!;
  }

  private async many(list: CancelValues[]): Promise<CancelRow[]> {
    const { rows } = await this.pool.query<CancelRow & { i: number }>({
      name: 'intake_cancel_batch',
      text: CANCEL_BATCH_SQL,
      values: [0, 1, 2].map((k) => pgArray(list.map((v) => v[k] ?? null))),
    });
    return rows.map(({ i: _, ...row }) => row);
  }
}
