-- Hand-written: flowex_settle_batch creates the balance rows a batch is the first to credit
-- before it locks and moves them (same signature, same contract and answers).
--
-- Until now it locked the existing rows, updated them, and inserted the missing ones with
-- the delta, guarded by NOT EXISTS. Two markets' batches crediting the same new (user,
-- asset) at once (a user's first USDT, say, from sales in two USDT markets) both found the
-- row missing and both inserted it: the later failed on "Balance_pkey" and its engine
-- rebuilt its book and settled again (seen in `npm run bench:platform`'s warm-up). Now the
-- missing rows are inserted empty first, in the batch's sorted order, ON CONFLICT DO
-- NOTHING: the later batch waits for the earlier one's insert, then finds the row. Rows are
-- still locked in one global order, so batches of different markets and intake groups
-- cannot deadlock. The rest is the function of 20261203130000_settlement_keeps_daily_volume.

CREATE OR REPLACE FUNCTION flowex_settle_batch(
  p_last_seq bigint, p_commands bigint[], p_market text,
  p_o_id bigint[], p_o_status text[], p_o_fq numeric[], p_o_fqq numeric[], p_o_hold numeric[],
  p_o_seq bigint[], p_o_reason text[], p_o_price numeric[], p_o_qty numeric[],
  p_at timestamp(3),
  p_t_seq bigint[], p_t_price numeric[], p_t_qty numeric[], p_t_quote numeric[],
  p_t_side text[], p_t_maker bigint[], p_t_taker bigint[], p_t_at timestamp(3)[],
  p_f_seq bigint[], p_f_order bigint[], p_f_user uuid[], p_f_side text[], p_f_price numeric[],
  p_f_qty numeric[], p_f_quote numeric[], p_f_fee numeric[], p_f_asset text[],
  p_f_rate numeric[], p_f_liquidity text[], p_f_at timestamp(3)[],
  p_l_journal uuid[], p_l_user uuid[], p_l_asset text[], p_l_bucket text[], p_l_type text[],
  p_l_amount numeric[], p_l_reference text[],
  p_x_user uuid[], p_x_asset text[], p_x_type text[], p_x_amount numeric[], p_x_fee numeric[],
  p_x_reference text[],
  p_c_interval text[], p_c_open_time timestamp(3)[], p_c_open numeric[], p_c_high numeric[],
  p_c_low numeric[], p_c_close numeric[], p_c_volume numeric[], p_c_quote_volume numeric[],
  p_c_trades int[], p_c_seq bigint[],
  p_max_command bigint, p_prev_seq bigint,
  p_b_user uuid[], p_b_asset text[], p_b_available numeric[], p_b_locked numeric[]
) RETURNS json
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_committed bigint;
  v_commands int;
  v_fills int;
  v_trades json;
  v_candles json;
  v_balances json := '[]';
BEGIN
  SELECT "lastSeq" INTO v_committed FROM "EngineCheckpoint"
   WHERE "marketSymbol" = p_market FOR UPDATE;
  v_committed := coalesce(v_committed, 0);
  IF v_committed > p_prev_seq AND v_committed >= p_last_seq THEN
    RETURN json_build_object('applied', false);
  END IF;
  IF v_committed <> p_prev_seq THEN
    RAISE EXCEPTION USING ERRCODE = 'FX409', MESSAGE = format(
      '%s: checkpoint at %s, batch expects %s (another writer?)', p_market, v_committed, p_prev_seq);
  END IF;

  -- Processed commands, order states, trades and their fills (joined on the engine
  -- sequence), ledger rows, transactions, candles and the checkpoint: one statement (every
  -- data-modifying CTE runs, referenced or not). Arrays are joined (unnest), never tested
  -- with = ANY(array), which compares every candidate row with every element.
  WITH cmd AS (
    UPDATE "EngineCommand" AS c SET "processedSeq" = p_last_seq
      FROM unnest(p_commands) AS x(id)
     WHERE c.id = x.id AND c."processedSeq" IS NULL AND c."marketSymbol" = p_market
    RETURNING 1
  ), ord AS (
    UPDATE "Order" AS o SET status = x.status::"OrderStatus",
           "filledQuantity" = x.fq, "filledQuoteQuantity" = x.fqq,
           "holdRemaining" = x.hold, "engineSeq" = COALESCE(x.seq, o."engineSeq"),
           "rejectReason" = COALESCE(x.reason, o."rejectReason"),
           price = COALESCE(x.price, o.price), quantity = COALESCE(x.qty, o.quantity),
           "updatedAt" = p_at
      FROM unnest(p_o_id, p_o_status, p_o_fq, p_o_fqq, p_o_hold, p_o_seq, p_o_reason,
                  p_o_price, p_o_qty) AS x(id, status, fq, fqq, hold, seq, reason, price, qty)
     WHERE o.id = x.id
    RETURNING 1
  ), tr AS (
    INSERT INTO "Trade" ("marketSymbol", "engineSeq", price, quantity, "quoteQuantity",
                         "takerSide", "makerOrderId", "takerOrderId", "executedAt")
    SELECT p_market, x.seq, x.price, x.qty, x.quote, x.side::"OrderSide", x.maker, x.taker, x.at
      FROM unnest(p_t_seq, p_t_price, p_t_qty, p_t_quote, p_t_side, p_t_maker, p_t_taker, p_t_at)
           AS x(seq, price, qty, quote, side, maker, taker, at)
    ON CONFLICT ("marketSymbol", "engineSeq") DO NOTHING
    RETURNING id, "engineSeq"
  ), fl AS (
    INSERT INTO "Fill" ("tradeId", "orderId", "userId", "marketSymbol", side, price, quantity,
                        "quoteQuantity", fee, "feeAsset", "feeRate", liquidity, "executedAt")
    SELECT tr.id, x.ord, x.uid, p_market, x.side::"OrderSide", x.price, x.qty, x.quote, x.fee,
           x.asset, x.rate, x.liq::"Liquidity", x.at
      FROM unnest(p_f_seq, p_f_order, p_f_user, p_f_side, p_f_price, p_f_qty, p_f_quote, p_f_fee,
                  p_f_asset, p_f_rate, p_f_liquidity, p_f_at)
           AS x(seq, ord, uid, side, price, qty, quote, fee, asset, rate, liq, at)
      JOIN tr ON tr."engineSeq" = x.seq
    RETURNING 1
  ), led AS (
    INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
    SELECT x.j, x.u, x.a, x.b::"LedgerBucket", x.t::"LedgerEntryType", x.amt, x.r
      FROM unnest(p_l_journal, p_l_user, p_l_asset, p_l_bucket, p_l_type, p_l_amount,
                  p_l_reference) AS x(j, u, a, b, t, amt, r)
    RETURNING 1
  ), txn AS (
    INSERT INTO "Transaction" (id, "userId", "assetCode", type, status, amount, fee, reference,
                               "updatedAt")
    SELECT gen_random_uuid(), x.u, x.a, x.t::"TransactionType", 'COMPLETED', x.amt, x.fee, x.r,
           now()
      FROM unnest(p_x_user, p_x_asset, p_x_type, p_x_amount, p_x_fee, p_x_reference)
           AS x(u, a, t, amt, fee, r)
    RETURNING 1
  ), cdl AS (
    INSERT INTO "Candle" ("marketSymbol", interval, "openTime", open, high, low, close, volume,
                          "quoteVolume", "tradeCount", "lastEngineSeq")
    SELECT p_market, x.i::"CandleInterval", x.t, x.o, x.h, x.l, x.c, x.v, x.qv, x.n, x.s
      FROM unnest(p_c_interval, p_c_open_time, p_c_open, p_c_high, p_c_low, p_c_close,
                  p_c_volume, p_c_quote_volume, p_c_trades, p_c_seq)
           AS x(i, t, o, h, l, c, v, qv, n, s)
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
    VALUES (p_market, p_last_seq, p_max_command, now())
    ON CONFLICT ("marketSymbol") DO UPDATE
       SET "lastSeq" = EXCLUDED."lastSeq",
           "lastCommandId" = GREATEST("EngineCheckpoint"."lastCommandId",
                                      EXCLUDED."lastCommandId"),
           "updatedAt" = now()
    RETURNING 1
  )
  SELECT (SELECT count(*)::int FROM cmd),
         (SELECT count(*)::int FROM fl),
         (SELECT coalesce(json_agg(json_build_object('id', id::text, 'seq', "engineSeq"::text)),
                          '[]') FROM tr),
         (SELECT coalesce(json_agg(cdl), '[]') FROM cdl)
    INTO v_commands, v_fills, v_trades, v_candles;

  IF v_commands <> coalesce(cardinality(p_commands), 0) THEN
    -- A batch without events (only locally refused commands) re-applied: nothing to do.
    IF v_commands = 0 AND p_last_seq = p_prev_seq THEN
      RAISE EXCEPTION USING ERRCODE = 'FX304', MESSAGE = format('%s: batch already applied', p_market);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'FX409', MESSAGE = format(
      '%s: a command of the batch was already processed', p_market);
  END IF;
  IF json_array_length(v_trades) <> cardinality(p_t_seq) OR v_fills <> 2 * cardinality(p_t_seq) THEN
    RAISE EXCEPTION USING ERRCODE = 'FX409', MESSAGE = format('%s: trades already recorded', p_market);
  END IF;

  IF cardinality(p_b_user) > 0 THEN
    -- First the rows this batch is the first to credit, created empty, in the given (sorted)
    -- order; then every row locked in that order and moved. (Two markets' batches crediting
    -- the same new (user, asset) used to both find it missing and both insert it: the later
    -- failed on the primary key, and its engine rebuilt the book. Now the later waits for
    -- the earlier's insert and finds the row there. An empty row satisfies the non-negative
    -- checks, which a row inserted with the delta itself would not always do.)
    INSERT INTO "Balance" ("userId", "assetCode", available, locked, "updatedAt")
    SELECT x.u, x.a, 0, 0, now()
      FROM unnest(p_b_user, p_b_asset) WITH ORDINALITY AS x(u, a, i)
     WHERE NOT EXISTS (SELECT 1 FROM "Balance" b WHERE b."userId" = x.u AND b."assetCode" = x.a)
     ORDER BY x.i
    ON CONFLICT ("userId", "assetCode") DO NOTHING;
    PERFORM 1 FROM "Balance" b
               JOIN unnest(p_b_user, p_b_asset) WITH ORDINALITY AS x(u, a, i)
                 ON b."userId" = x.u AND b."assetCode" = x.a
     ORDER BY x.i FOR UPDATE OF b;
    WITH x AS (SELECT * FROM unnest(p_b_user, p_b_asset, p_b_available, p_b_locked)
                               AS x(u, a, av, lk)),
         moved AS (UPDATE "Balance" b SET available = b.available + x.av,
                          locked = b.locked + x.lk, "updatedAt" = now()
                     FROM x WHERE b."userId" = x.u AND b."assetCode" = x.a
                   RETURNING b."userId", b."assetCode", b.available, b.locked)
    SELECT json_agg(json_build_object('userId', "userId"::text, 'assetCode', "assetCode",
                                      'available', available::text, 'locked', locked::text))
      INTO v_balances FROM moved;
  END IF;

  -- The traded quote volume per user and UTC day (fee tiers), summed per batch. Last, after
  -- the balances and for the same reason: a user's rows are shared by every market's
  -- batches, and a row locked here stays locked until the commit (sorted: batches of two
  -- markets lock a user's rows in one order).
  INSERT INTO "UserDailyVolume" ("userId", "quoteAssetCode", day, "quoteVolume")
  SELECT x.uid, m."quoteAssetCode", x.at::date, sum(x.quote)
    FROM unnest(p_f_user, p_f_quote, p_f_at) AS x(uid, quote, at)
    JOIN "Market" m ON m.symbol = p_market
   GROUP BY x.uid, m."quoteAssetCode", x.at::date
   ORDER BY x.uid, m."quoteAssetCode", x.at::date
  ON CONFLICT ("userId", "quoteAssetCode", day) DO UPDATE
     SET "quoteVolume" = "UserDailyVolume"."quoteVolume" + EXCLUDED."quoteVolume";

  RETURN json_build_object('applied', true, 'trades', v_trades, 'candles', v_candles,
                           'balances', coalesce(v_balances, '[]'));
END
$fn$;
