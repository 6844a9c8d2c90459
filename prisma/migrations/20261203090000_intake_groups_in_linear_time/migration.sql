-- Hand-written: the intake group statement in linear time (same signature and answers).
--
-- flowex_place_orders (migration 20261202150000_intake_groups_across_markets) joined its
-- CTEs back to each other: the commands to the inserted orders (for "createdAt") and the
-- answers to the inserted orders and to the updated balances. The planner estimates one row
-- for such CTEs, so every one of those joins was a nested loop: a group of 500 orders
-- compared 500 × 500 rows three times, ≈ 90 of its ≈ 110 ms (auto_explain, `npm run
-- bench:settlement`'s intake phase). Now "createdAt" is taken once (the column's default,
-- now(), set explicitly) and each order finds its balance after the group through a
-- jsonb object keyed by the rank of its (user, asset), read through a subquery evaluated
-- once (joined to the rows instead, that object would be copied into every row and sorted:
-- 11 MB on disk for 500 orders). No CTE is joined to another except the answers to the input
-- by position (a merge join on the ordinal). The per-user advisory locks are taken by one
-- statement instead of one per user (a group of 500 orders from 200 users ran 170 statements
-- before its own).

CREATE OR REPLACE FUNCTION flowex_place_orders(
  text[], uuid[], text[], text[], text[], text[], boolean[], text[], numeric[], numeric[],
  numeric[], numeric[], numeric[], text[], numeric[], jsonb[], text[], int[], uuid[], numeric[]
) RETURNS TABLE (
  i int, "orderId" text, "commandId" text, "accountNo" int, "createdAt" text, available text,
  locked text
)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  -- The orders' "createdAt" (the column's own default, now(), in its precision): set here so
  -- the command payload and the answer need no join back to the inserted rows.
  v_created timestamp(3) := now();
BEGIN
  -- Each user's intake lock, in ascending key order, in one statement (not one per user).
  PERFORM pg_advisory_xact_lock(1179408463, k.key)
     FROM (SELECT DISTINCT hashtext(x.u::text) AS key FROM unnest($2, $18) AS x(u, m)
            WHERE x.m IS NOT NULL ORDER BY 1) AS k;
  RETURN QUERY
    WITH x AS (
      SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::boolean[], $8::text[], $9::numeric[], $10::numeric[], $11::numeric[],
                           $12::numeric[], $13::numeric[], $14::text[], $15::numeric[], $16::jsonb[],
                           $17::text[], $18::int[], $19::uuid[], $20::numeric[])
        WITH ORDINALITY AS x(mkt, uid, cid, side, type, tif, post, stp, price, stop, qty, qq, disp,
                             asset, hold, payload, tp, maxopen, jid, band, i)
    ), m AS (
      SELECT symbol AS mkt, status::text AS status FROM "Market"
       WHERE symbol IN (SELECT mkt FROM x)
    ), lp AS (
      SELECT b.mkt, (SELECT price FROM "Trade" WHERE "marketSymbol" = b.mkt
                      ORDER BY "engineSeq" DESC LIMIT 1) AS price
        FROM (SELECT DISTINCT mkt FROM x WHERE band IS NOT NULL) AS b
    ), n AS (
      SELECT "userId" AS uid, "marketSymbol" AS mkt, count(*)::int AS open FROM "Order"
       WHERE ("userId", "marketSymbol") IN (SELECT uid, mkt FROM x WHERE maxopen IS NOT NULL)
         AND status IN ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED')
       GROUP BY 1, 2
    ), c AS (
      SELECT x.*, u."accountNo",
             sum(x.hold) OVER (PARTITION BY x.uid, x.asset ORDER BY x.i) AS need,
             row_number() OVER (PARTITION BY x.uid, x.mkt ORDER BY x.i) - 1 AS before
        FROM x JOIN "User" u ON u.id = x.uid AND NOT u."isSystem"
    ), ok AS (
      SELECT c.*, nextval('"Order_id_seq"') AS oid, nextval('"EngineCommand_id_seq"') AS cmdid,
             dense_rank() OVER (ORDER BY c.uid, c.asset) AS k
        FROM c JOIN m ON m.mkt = c.mkt
        LEFT JOIN n ON n.uid = c.uid AND n.mkt = c.mkt
        LEFT JOIN "Balance" b ON b."userId" = c.uid AND b."assetCode" = c.asset
       WHERE m.status = 'TRADING' AND c.hold > 0 AND c.need <= b.available
         AND (c.maxopen IS NULL OR coalesce(n.open, 0) + c.before < c.maxopen)
         AND (c.band IS NULL OR NOT EXISTS (
               SELECT 1 FROM lp, (VALUES (c.price), (c.stop)) AS p(v)
                WHERE lp.mkt = c.mkt AND lp.price > 0 AND p.v IS NOT NULL
                  AND (p.v < lp.price * (1 - c.band / 100) OR p.v > lp.price * (1 + c.band / 100))))
    ), lk AS (
      SELECT 1 FROM "Balance" b JOIN (SELECT DISTINCT uid, asset FROM ok) s
          ON b."userId" = s.uid AND b."assetCode" = s.asset
       ORDER BY b."userId", b."assetCode" COLLATE "C" FOR UPDATE OF b
    ), bal AS (
      UPDATE "Balance" b SET available = b.available - s.total, locked = b.locked + s.total,
             "updatedAt" = now()
        FROM (SELECT k, uid, asset, sum(hold) AS total FROM ok GROUP BY 1, 2, 3) s
       WHERE b."userId" = s.uid AND b."assetCode" = s.asset AND (SELECT count(*) FROM lk) >= 0
      RETURNING s.k, b.available::text AS available, b.locked::text AS locked
    ), after AS (
      SELECT jsonb_object_agg(k, jsonb_build_array(available, locked)) AS by_k FROM bal
    ), o AS (
      INSERT INTO "Order" (id, "userId", "marketSymbol", "clientOrderId", side, type, "timeInForce",
                           "postOnly", "selfTradePrevention", price, "stopPrice", quantity,
                           "quoteQuantity", "displayQuantity", "holdAsset", "holdRemaining", "createdAt",
                           "updatedAt")
      SELECT oid, uid, mkt, cid, side::"OrderSide", type::"OrderType", tif::"TimeInForce", post,
             stp::"SelfTradePrevention", price, stop, qty, qq, disp, asset, hold, v_created, now()
        FROM ok
    ), journal AS (
      INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
      SELECT ok.jid, ok.uid, ok.asset, v.bucket::"LedgerBucket", 'HOLD', v.amount, 'order:' || ok.oid
        FROM ok, LATERAL (VALUES ('AVAILABLE', -ok.hold), ('LOCKED', ok.hold)) AS v(bucket, amount)
    ), cmd AS (
      INSERT INTO "EngineCommand" (id, "marketSymbol", kind, "orderId", "userId", payload, traceparent)
      SELECT ok.cmdid, ok.mkt, 'PLACE', ok.oid, ok.uid,
             ok.payload || jsonb_build_object('orderId', ok.oid::text, 'accountNo', ok."accountNo",
               'createdAt', to_char(v_created, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), ok.tp
        FROM ok
    )
    SELECT x.i::int AS i, ok.oid::text AS "orderId", ok.cmdid::text AS "commandId", ok."accountNo",
           CASE WHEN ok.oid IS NOT NULL
                THEN to_char(v_created, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS "createdAt",
           (SELECT by_k FROM after) -> ok.k::text ->> 0 AS available,
           (SELECT by_k FROM after) -> ok.k::text ->> 1 AS locked
      FROM x LEFT JOIN ok ON ok.i = x.i
     ORDER BY x.i;
END
$fn$;
