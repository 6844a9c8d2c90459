// The PostgreSQL floor of bench:settlement: what PostgreSQL alone spends to write the rows
// the engine-service issue requires of an order, with nothing else running — no engine, no
// Redis, no client building parameters. Each round is two transactions, as in the platform:
// intake (the orders and their holds: one order row and two HOLD ledger rows per order, the
// users' balances moved) and settlement (the orders' new states, the trades, two fills per
// trade, the ledger rows, the balances moved back, the market's checkpoint). Every row is
// generated inside PostgreSQL by one function call per transaction, so the client costs next
// to nothing, and the tables, indexes and constraints are the platform's own.
// Rows the platform writes beyond the list (EngineCommand, Transaction,
// UserDailyVolume, candles) are left out, so the floor is a lower bound for any design on
// this schema: as bench:fanout's bare WebSocket server is for the gateway.
import pg from 'pg';

export interface FloorShape {
  /** Orders per round: one intake and one settlement transaction (the engine's batch size). */
  ordersPerRound: number;
  /** Trades per order, each with two fills (as the engine's run made them). */
  tradesPerOrder: number;
  /** Settlement's ledger rows per order (netted per user, asset and batch, as the engine's). */
  ledgerRowsPerOrder: number;
}

export interface FloorStep {
  connections: number;
  ordersPerSecond: number;
  /** CPU µs per order of PostgreSQL, and of this process (the client, next to nothing). */
  cpuMicrosPerOrder: { postgres: number; bench: number };
  coresBusyPercent: number;
}

const SETUP = `
CREATE TABLE bench_floor_user (i int PRIMARY KEY, id uuid NOT NULL);

-- The holds of a round's orders moved into (p_sign 1: intake) or out of (-1: settlement)
-- their users' locked balances, one row per user and asset. The rows are locked first in
-- (user, asset) order, as the platform locks them: intake and settlement running at once
-- (two connections here, or bench:platform's floor) would otherwise deadlock.
CREATE FUNCTION bench_floor_hold(p_n int, p_sign int) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE v_users int := (SELECT count(*) FROM bench_floor_user);
BEGIN
  WITH s AS (
    SELECT u.id AS uid, CASE WHEN g % 2 = 0 THEN 'USDT' ELSE 'BTC' END AS asset,
           0.001 * count(*) AS total
      FROM generate_series(0, p_n - 1) g JOIN bench_floor_user u ON u.i = g % v_users
     GROUP BY 1, 2
  ), lk AS (
    SELECT 1 FROM "Balance" b JOIN s ON b."userId" = s.uid AND b."assetCode" = s.asset
     ORDER BY b."userId", b."assetCode" FOR UPDATE OF b
  )
  UPDATE "Balance" b SET available = b.available - p_sign * s.total,
         locked = b.locked + p_sign * s.total, "updatedAt" = now()
    FROM s
   WHERE b."userId" = s.uid AND b."assetCode" = s.asset AND (SELECT count(*) FROM lk) >= 0;
END
$fn$;

CREATE FUNCTION bench_floor_intake(p_base bigint, p_n int) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE v_users int := (SELECT count(*) FROM bench_floor_user);
BEGIN
  INSERT INTO "Order" (id, "userId", "marketSymbol", side, type, price, quantity, "holdAsset",
                       "holdRemaining", "updatedAt")
  SELECT p_base + g, u.id, 'BTC-USDT',
         CASE WHEN g % 2 = 0 THEN 'BUY'::"OrderSide" ELSE 'SELL'::"OrderSide" END, 'LIMIT',
         60000 + g % 41 - 20, 0.001 * (1 + g % 10), CASE WHEN g % 2 = 0 THEN 'USDT' ELSE 'BTC' END,
         0.001, now()
    FROM generate_series(0, p_n - 1) g JOIN bench_floor_user u ON u.i = g % v_users;
  INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
  SELECT j.id, u.id, CASE WHEN g % 2 = 0 THEN 'USDT' ELSE 'BTC' END, b.bucket::"LedgerBucket",
         'HOLD', b.sign * 0.001, 'order:' || (p_base + g)
    FROM generate_series(0, p_n - 1) g JOIN bench_floor_user u ON u.i = g % v_users,
         LATERAL (SELECT gen_random_uuid() AS id) j,
         (VALUES ('AVAILABLE', -1), ('LOCKED', 1)) AS b(bucket, sign);
  PERFORM bench_floor_hold(p_n, 1);
END
$fn$;

CREATE FUNCTION bench_floor_settle(p_base bigint, p_n int, p_trades int, p_ledger int)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE v_users int := (SELECT count(*) FROM bench_floor_user);
BEGIN
  UPDATE "Order"
     SET status = CASE WHEN id % 10 < 7 THEN 'FILLED'::"OrderStatus" ELSE 'NEW'::"OrderStatus" END,
         "filledQuantity" = CASE WHEN id % 10 < 7 THEN quantity ELSE 0 END,
         "filledQuoteQuantity" = CASE WHEN id % 10 < 7 THEN quantity * price ELSE 0 END,
         "engineSeq" = id, "updatedAt" = now()
   WHERE id BETWEEN p_base AND p_base + p_n - 1;
  WITH tr AS (
    INSERT INTO "Trade" ("marketSymbol", "engineSeq", price, quantity, "quoteQuantity",
                         "takerSide", "makerOrderId", "takerOrderId", "executedAt")
    SELECT 'BTC-USDT', p_base + g, 60000, 0.001, 60, 'BUY', p_base + g, p_base + g + 1, now()
      FROM generate_series(0, p_trades - 1) g
    RETURNING id, "engineSeq", "makerOrderId"
  )
  INSERT INTO "Fill" ("tradeId", "orderId", "userId", "marketSymbol", side, price, quantity,
                      "quoteQuantity", fee, "feeAsset", "feeRate", liquidity, "executedAt")
  SELECT tr.id, tr."makerOrderId" + s, u.id, 'BTC-USDT',
         CASE WHEN s = 0 THEN 'SELL'::"OrderSide" ELSE 'BUY'::"OrderSide" END, 60000, 0.001, 60,
         0.06, 'USDT', 0.001, CASE WHEN s = 0 THEN 'MAKER'::"Liquidity" ELSE 'TAKER'::"Liquidity" END,
         now()
    FROM tr, generate_series(0, 1) s, bench_floor_user u
   WHERE u.i = (tr."engineSeq" + s) % v_users;
  INSERT INTO "LedgerEntry" ("journalId", "userId", "assetCode", bucket, type, amount, reference)
  SELECT gen_random_uuid(), u.id, CASE WHEN g % 2 = 0 THEN 'USDT' ELSE 'BTC' END, 'AVAILABLE',
         'TRADE', 0.001, 'trade:' || (p_base + g)
    FROM generate_series(0, p_ledger - 1) g JOIN bench_floor_user u ON u.i = g % v_users;
  PERFORM bench_floor_hold(p_n, -1);
  INSERT INTO "EngineCheckpoint" ("marketSymbol", "lastSeq", "lastCommandId", "updatedAt")
  VALUES ('BTC-USDT', p_base, p_base, now())
  ON CONFLICT ("marketSymbol") DO UPDATE SET "lastSeq" = EXCLUDED."lastSeq", "updatedAt" = now();
END
$fn$;`;

/** Installs the floor's functions and its users (whose BTC and USDT balances it moves). */
export async function preparePostgresFloor(databaseUrl: string, userIds: string[]) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(SETUP);
    await client.query(
      'INSERT INTO bench_floor_user SELECT n - 1, u FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, n)',
      [userIds],
    );
  } finally {
    await client.end();
  }
}

/** Order ids and engine sequences of the floor, far above anything the engine wrote. */
const FIRST_ID = 1_000_000_000_000_000n;
let round = 0n;

/**
 * Rounds on `connections` connections at once for `seconds` (each connection one round after
 * another, as the engine's markets each settle one batch at a time): the orders written, and
 * `snapshot` (the caller's CPU readings) taken as the rounds start and as they end.
 */
export async function runPostgresFloor<T>(
  databaseUrl: string,
  shape: FloorShape,
  connections: number,
  seconds: number,
  snapshot: () => T,
): Promise<{ orders: number; before: T; after: T }> {
  const n = shape.ordersPerRound;
  const trades = Math.round(n * shape.tradesPerOrder);
  const ledger = Math.round(n * shape.ledgerRowsPerOrder);
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      return client;
    }),
  );
  let orders = 0;
  const before = snapshot();
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const base = (FIRST_ID + round++ * 100_000n).toString();
        await client.query('SELECT bench_floor_intake($1, $2)', [base, n]);
        await client.query('SELECT bench_floor_settle($1, $2, $3, $4)', [base, n, trades, ledger]);
        orders += n;
      }
    }),
  );
  const after = snapshot();
  await Promise.all(clients.map((client) => client.end()));
  return { orders, before, after };
}
