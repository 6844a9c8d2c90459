// Orders and fills as stored: the caller's (every such query is scoped to one user id) and
// the market-wide reads intake needs (last prices, best ask).
import { type Db, type Fill, type Order, type OrderStatus, Prisma } from '@flowex/db';

export type OrderRow = Order;
export type FillRow = Fill;
export interface UserRef {
  id: string;
}

/** Statuses that hold funds and can still change. */
export const OPEN_STATUSES: OrderStatus[] = [
  'ACCEPTED',
  'PENDING_TRIGGER',
  'NEW',
  'PARTIALLY_FILLED',
];

/**
 * The same statuses as SQL literals: PostgreSQL proves the open-orders index's predicate only
 * from literals, not from the parameters Prisma sends.
 */
const OPEN_STATUS_LITERALS = Prisma.raw(OPEN_STATUSES.map((s) => `'${s}'`).join(', '));

export function findUserOrder(db: Db, userId: string, id: bigint): Promise<OrderRow | null> {
  return db.order.findFirst({ where: { id, userId } });
}

/**
 * A user's orders, newest first. Lists of open orders only read the open-orders index (by
 * user and market, open statuses only: migration …_orders_indexed_by_open_and_history), so
 * their cost does not grow with the user's history; the rest read the (user, id) index
 * backwards.
 */
export async function listUserOrders(
  db: Db,
  userId: string,
  filter: { market?: string; statuses?: OrderStatus[]; beforeId?: bigint; take: number },
): Promise<OrderRow[]> {
  const { statuses } = filter;
  if (statuses?.length && statuses.every((s) => OPEN_STATUSES.includes(s))) {
    const ids = await openOrderIds(db, userId, { ...filter, statuses });
    return db.order.findMany({ where: { userId, id: { in: ids } }, orderBy: { id: 'desc' } });
  }
  return db.order.findMany({
    where: {
      userId,
      ...(filter.market ? { marketSymbol: filter.market } : {}),
      ...(filter.statuses ? { status: { in: filter.statuses } } : {}),
      ...(filter.beforeId !== undefined ? { id: { lt: filter.beforeId } } : {}),
    },
    orderBy: { id: 'desc' },
    take: filter.take,
  });
}

/** Ids of the user's open orders in the given (open) statuses, newest first. */
async function openOrderIds(
  db: Db,
  userId: string,
  filter: { market?: string; statuses: OrderStatus[]; beforeId?: bigint; take: number },
): Promise<bigint[]> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM "Order"
     WHERE "userId" = ${userId}::uuid
       AND status IN (${OPEN_STATUS_LITERALS})
       AND status::text = ANY(${filter.statuses}::text[])
       AND (${filter.market ?? null}::text IS NULL OR "marketSymbol" = ${filter.market ?? null}::text)
       AND (${filter.beforeId ?? null}::bigint IS NULL OR id < ${filter.beforeId ?? null}::bigint)
     ORDER BY id DESC
     LIMIT ${filter.take}`;
  return rows.map((r) => r.id);
}

/** The markets in which the user has open orders (the open-orders index, as above). */
export async function openOrderMarkets(db: Db, userId: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ marketSymbol: string }[]>`
    SELECT DISTINCT "marketSymbol" FROM "Order"
     WHERE "userId" = ${userId}::uuid AND status IN (${OPEN_STATUS_LITERALS})`;
  return rows.map((r) => r.marketSymbol);
}

export function listUserFills(
  db: Db,
  userId: string,
  filter: { market?: string; beforeId?: bigint; take: number },
): Promise<FillRow[]> {
  return db.fill.findMany({
    where: {
      userId,
      ...(filter.market ? { marketSymbol: filter.market } : {}),
      ...(filter.beforeId !== undefined ? { id: { lt: filter.beforeId } } : {}),
    },
    orderBy: { id: 'desc' },
    take: filter.take,
  });
}

export function fillsOfOrder(db: Db, orderId: bigint): Promise<FillRow[]> {
  return db.fill.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
}

/** A user's stored position states (PositionSnapshot), by market. */
export async function positionSnapshots(db: Db, userId: string) {
  const rows = await db.positionSnapshot.findMany({ where: { userId } });
  return new Map(rows.map((r) => [r.marketSymbol, r]));
}

export interface PositionFillRow {
  id: bigint;
  marketSymbol: string;
  side: 'BUY' | 'SELL';
  price: Prisma.Decimal;
  quantity: Prisma.Decimal;
  fee: Prisma.Decimal;
}

/**
 * A user's fills after the given marks (last fill id folded, by market; none = from the
 * start), at most `limit` per market, by market in settlement order. The markets he traded
 * are found by skipping through the (userId, marketSymbol, id) index (one probe each), and
 * each market's fills are one range of it: the cost follows the fills after the marks, not
 * the history. Keep `limit` small: with 5,000 the planner's estimate crossed
 * jit_above_cost and JIT compilation alone took 8 – 170 ms of a 1 ms query.
 */
export function fillsAfter(
  db: Db,
  userId: string,
  marks: ReadonlyMap<string, bigint>,
  limit: number,
): Promise<PositionFillRow[]> {
  return db.$queryRaw<PositionFillRow[]>`
    WITH RECURSIVE traded(market) AS (
      SELECT min("marketSymbol") FROM "Fill" WHERE "userId" = ${userId}::uuid
      UNION ALL
      SELECT (SELECT min(f."marketSymbol") FROM "Fill" f
               WHERE f."userId" = ${userId}::uuid AND f."marketSymbol" > t.market)
        FROM traded t WHERE t.market IS NOT NULL
    )
    SELECT f.id, f."marketSymbol", f.side::text AS side, f.price, f.quantity, f.fee
      FROM (SELECT market FROM traded WHERE market IS NOT NULL) t
      LEFT JOIN unnest(${[...marks.keys()]}::text[], ${[...marks.values()]}::bigint[])
           AS s(market, last) ON s.market = t.market
      CROSS JOIN LATERAL (
        SELECT f.* FROM "Fill" f
         WHERE f."userId" = ${userId}::uuid AND f."marketSymbol" = t.market
           AND f.id > COALESCE(s.last, 0)
         ORDER BY f.id LIMIT ${limit}) f
     ORDER BY f."marketSymbol", f.id`;
}

export interface PositionSnapshotRow {
  marketSymbol: string;
  quantity: Prisma.Decimal;
  cost: Prisma.Decimal;
  realized: Prisma.Decimal;
  lastFillId: bigint;
}

/**
 * Stores position states; a stored state already further along (a concurrent query's) is
 * kept. Values are written as their exact decimal strings (unconstrained NUMERIC).
 */
export async function savePositionSnapshots(
  db: Db,
  userId: string,
  rows: PositionSnapshotRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const text = (pick: (r: PositionSnapshotRow) => Prisma.Decimal) =>
    rows.map((r) => pick(r).toString());
  await db.$executeRaw`
    INSERT INTO "PositionSnapshot" ("userId", "marketSymbol", quantity, cost, realized,
                                    "lastFillId", "updatedAt")
    SELECT ${userId}::uuid, x.m, x.q, x.c, x.r, x.l, now()
      FROM unnest(${rows.map((r) => r.marketSymbol)}::text[], ${text((r) => r.quantity)}::numeric[],
                  ${text((r) => r.cost)}::numeric[], ${text((r) => r.realized)}::numeric[],
                  ${rows.map((r) => r.lastFillId)}::bigint[]) AS x(m, q, c, r, l)
    ON CONFLICT ("userId", "marketSymbol") DO UPDATE
       SET quantity = EXCLUDED.quantity, cost = EXCLUDED.cost, realized = EXCLUDED.realized,
           "lastFillId" = EXCLUDED."lastFillId", "updatedAt" = now()
     WHERE "PositionSnapshot"."lastFillId" < EXCLUDED."lastFillId"`;
}

/**
 * The last trade price of each market. DISTINCT ON walks the (marketSymbol, engineSeq)
 * index backwards: one row per market, however many trades there are (Prisma's `distinct`
 * would fetch every trade and de-duplicate in memory).
 */
export async function lastPrices(db: Db, markets: string[]): Promise<Map<string, Order['price']>> {
  const rows = await db.$queryRaw<{ marketSymbol: string; price: Prisma.Decimal }[]>`
    SELECT DISTINCT ON ("marketSymbol") "marketSymbol", price FROM "Trade"
    WHERE "marketSymbol" = ANY(${markets}) ORDER BY "marketSymbol", "engineSeq" DESC`;
  return new Map(rows.map((r) => [r.marketSymbol, r.price]));
}

/** The lowest resting ask; statuses as literals so the partial index of open orders serves it. */
export async function bestAsk(db: Db, market: string): Promise<Prisma.Decimal | null> {
  const [row] = await db.$queryRaw<{ price: string | null }[]>`
    SELECT min(price)::text AS price FROM "Order"
     WHERE "marketSymbol" = ${market} AND side = 'SELL' AND price IS NOT NULL
       AND status IN ('NEW', 'PARTIALLY_FILLED')`;
  return row?.price == null ? null : new Prisma.Decimal(row.price);
}
