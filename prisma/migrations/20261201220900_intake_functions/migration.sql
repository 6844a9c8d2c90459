-- Hand-written: intake as functions, so that the open-order limit holds exactly.
--
-- The limit was counted inside the intake statement, on that statement's snapshot: two
-- statements recording orders of the same user at once (two groups of one trading process,
-- or two processes) each counted the open orders committed before they started and each
-- accepted up to the limit. Balances needed no such care (their row lock makes the second
-- statement re-check the row it updates); a count has no row to lock.
--
-- Each function first takes a transaction-scoped advisory lock per user whose order has a
-- limit (class 0x464C584F "FLXO", key hashtext(user id); a group takes its users' keys in
-- ascending order, so two groups never wait on each other in a cycle), then runs the
-- statement the engine used to send. In PL/pgSQL that statement takes its snapshot after
-- the lock is granted, so it sees every order of that user committed by whoever held the lock
-- before. The lock ends with the transaction, after its commit.
--
-- The statements are those of engine/src/intake/submit.ts (one order) and
-- engine/src/intake/place-batch.ts (a group), unchanged but for the column types of the
-- result, which RETURN QUERY requires exactly. A change to them is a new migration with
-- CREATE OR REPLACE.

CREATE FUNCTION flowex_place_order(
  uuid, text, text, text, text, text, boolean, text, numeric, numeric, numeric, numeric,
  numeric, text, numeric, jsonb, text, int, uuid, numeric
) RETURNS TABLE (
  "accountNo" int, "marketStatus" text, open int, "inBand" boolean, "lastPrice" text,
  "orderId" text, "createdAt" text, "commandId" text, available text, locked text
)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  IF $18 IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(1179408463, hashtext($1::text));
  END IF;
  RETURN QUERY
    WITH u AS (
      SELECT "accountNo" FROM "User" WHERE id = $1::uuid AND NOT "isSystem"
    ), m AS (
      SELECT status::text AS status FROM "Market" WHERE symbol = $2
    ), n AS (
      SELECT count(*)::int AS open FROM "Order"
       WHERE $18::int IS NOT NULL AND "userId" = $1::uuid AND "marketSymbol" = $2
         AND status IN ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED')
    ), lp AS (
      SELECT price FROM "Trade" WHERE $20::numeric IS NOT NULL AND "marketSymbol" = $2
       ORDER BY "engineSeq" DESC LIMIT 1
    ), band AS (
      SELECT NOT EXISTS (
        SELECT 1 FROM lp, (VALUES ($9::numeric), ($10::numeric)) AS p(v)
         WHERE lp.price > 0 AND p.v IS NOT NULL
           AND (p.v < lp.price * (1 - $20::numeric / 100) OR p.v > lp.price * (1 + $20::numeric / 100))
      ) AS inside
    ), ok AS (
      SELECT u."accountNo" FROM u, m, n, band
       WHERE m.status = 'TRADING' AND ($18::int IS NULL OR n.open < $18::int) AND band.inside
    ), bal AS (
      UPDATE "Balance" SET available = available - $15::numeric, locked = locked + $15::numeric,
             "updatedAt" = now()
       WHERE $15::numeric > 0 AND "userId" = $1::uuid AND "assetCode" = $14
         AND available >= $15::numeric AND EXISTS (SELECT 1 FROM ok)
      RETURNING available::text AS available, locked::text AS locked
    ), o AS (
      INSERT INTO "Order" ("userId", "marketSymbol", "clientOrderId", side, type, "timeInForce",
                           "postOnly", "selfTradePrevention", price, "stopPrice", quantity,
                           "quoteQuantity", "displayQuantity", "holdAsset", "holdRemaining", "updatedAt")
      SELECT $1::uuid, $2, $3, $4::"OrderSide", $5::"OrderType", $6::"TimeInForce", $7::boolean,
             $8::"SelfTradePrevention", $9::numeric, $10::numeric, $11::numeric, $12::numeric,
             $13::numeric, $14, $15::numeric, now()
        FROM ok WHERE $15::numeric = 0 OR EXISTS (SELECT 1 FROM bal)
      RETURNING id, "createdAt"
    ), journal AS (
      INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
      SELECT $19::uuid, $1::uuid, $14, x.bucket::"LedgerBucket", 'HOLD', x.amount, 'order:' || o.id
        FROM o, (VALUES ('AVAILABLE', -$15::numeric), ('LOCKED', $15::numeric)) AS x(bucket, amount)
       WHERE $15::numeric > 0
    ), cmd AS (
      INSERT INTO "EngineCommand" ("marketSymbol", kind, "orderId", "userId", payload, traceparent)
      SELECT $2, 'PLACE', o.id, $1::uuid,
             $16::jsonb || jsonb_build_object('orderId', o.id::text, 'accountNo', ok."accountNo",
               'createdAt', to_char(o."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), $17
        FROM o, ok
      RETURNING id
    )
    SELECT (SELECT "accountNo" FROM u) AS "accountNo", (SELECT status FROM m) AS "marketStatus",
           (SELECT open FROM n) AS open, (SELECT inside FROM band) AS "inBand",
           (SELECT price::text FROM lp) AS "lastPrice", o.id::text AS "orderId",
           to_char(o."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
           cmd.id::text AS "commandId", (SELECT available FROM bal) AS available,
           (SELECT locked FROM bal) AS locked
      FROM (SELECT 1) AS one LEFT JOIN o ON true LEFT JOIN cmd ON true;
END
$fn$;

CREATE FUNCTION flowex_place_orders(
  text, uuid[], text[], text[], text[], text[], boolean[], text[], numeric[], numeric[],
  numeric[], numeric[], numeric[], text[], numeric[], jsonb[], text[], int[], uuid[], numeric[]
) RETURNS TABLE (
  i int, "orderId" text, "commandId" text, "accountNo" int, "createdAt" text, available text,
  locked text
)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_key int;
BEGIN
  FOR v_key IN
    SELECT DISTINCT hashtext(x.u::text) FROM unnest($2, $18) AS x(u, m)
     WHERE x.m IS NOT NULL ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(1179408463, v_key);
  END LOOP;
  RETURN QUERY
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
               'createdAt', to_char(o."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), ok.tp
        FROM ok JOIN o ON o.id = ok.oid
    )
    SELECT x.i::int AS i, ok.oid::text AS "orderId", ok.cmdid::text AS "commandId", ok."accountNo",
           to_char(o."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", bal.available, bal.locked
      FROM x LEFT JOIN ok ON ok.i = x.i LEFT JOIN o ON o.id = ok.oid
             LEFT JOIN bal ON bal.uid = ok.uid AND bal.asset = ok.asset
     ORDER BY x.i;
END
$fn$;
