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

export function findUserOrder(db: Db, userId: string, id: bigint): Promise<OrderRow | null> {
  return db.order.findFirst({ where: { id, userId } });
}

export function listUserOrders(
  db: Db,
  userId: string,
  filter: { market?: string; statuses?: OrderStatus[]; beforeId?: bigint; take: number },
): Promise<OrderRow[]> {
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

/** All of a user's fills, oldest first: the history positions are computed from. */
export function userFillHistory(db: Db, userId: string): Promise<FillRow[]> {
  return db.fill.findMany({ where: { userId }, orderBy: [{ executedAt: 'asc' }, { id: 'asc' }] });
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
