// Reading the caller's orders and fills. Every lookup is scoped to the caller: another
// user's order id is simply not found, never revealing that it exists.
import type { Db, OrderStatus } from '@flowex/db';
import { DomainError, decodeCursor, ErrorCode, pageSize, toConnection } from '@flowex/schema';
import type { Identity } from '@flowex/server';
import {
  fillsAfter,
  findUserOrder,
  lastPrices,
  listUserFills,
  listUserOrders,
  OPEN_STATUSES,
  type OrderRow,
  positionSnapshots,
  savePositionSnapshots,
} from '../data/orders.ts';
import { foldPositions, type PositionState, positionViews } from './positions.ts';
import { normaliseCode } from './reference.ts';

type ApiStatus =
  | 'PENDING_TRIGGER'
  | 'NEW'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'CANCELED'
  | 'REJECTED'
  | 'EXPIRED';

/** Stored → public status: an order accepted but not yet matched is NEW to its owner. */
export const publicStatus = (status: OrderStatus): ApiStatus =>
  status === 'ACCEPTED' ? 'NEW' : status;

const storedStatuses = (statuses: ApiStatus[]): OrderStatus[] =>
  statuses.flatMap((s): OrderStatus[] => (s === 'NEW' ? ['ACCEPTED', 'NEW'] : [s]));

/** A numeric order id, or null for anything that cannot be one (then: not found). */
export function parseOrderId(id: string): bigint | null {
  return /^[1-9]\d{0,18}$/.test(id) ? BigInt(id) : null;
}

function parseCursorId(after: string | null | undefined): bigint | undefined {
  const key = decodeCursor(after);
  if (key === null) return undefined;
  const id = parseOrderId(key);
  if (id === null)
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor from this list', {
      field: 'after',
    });
  return id;
}

export async function order(db: Db, caller: Identity, id: string) {
  const orderId = parseOrderId(id);
  return orderId === null ? null : findUserOrder(db, caller.userId, orderId);
}

export async function myOrders(
  db: Db,
  caller: Identity,
  args: {
    market?: string | null;
    status?: ApiStatus[] | null;
    first?: number | null;
    after?: string | null;
  },
) {
  const { first, take } = pageSize(args.first);
  const rows = await listUserOrders(db, caller.userId, {
    ...(args.market ? { market: normaliseCode(args.market) } : {}),
    ...(args.status?.length ? { statuses: storedStatuses(args.status) } : {}),
    ...withBefore(parseCursorId(args.after)),
    take,
  });
  return toConnection(rows, first, (o) => o.id.toString());
}

export async function myFills(
  db: Db,
  caller: Identity,
  args: { market?: string | null; first?: number | null; after?: string | null },
) {
  const { first, take } = pageSize(args.first);
  const rows = await listUserFills(db, caller.userId, {
    ...(args.market ? { market: normaliseCode(args.market) } : {}),
    ...withBefore(parseCursorId(args.after)),
    take,
  });
  return toConnection(rows, first, (f) => f.id.toString());
}

const withBefore = (beforeId: bigint | undefined) => (beforeId === undefined ? {} : { beforeId });

export async function openOrders(db: Db, caller: Identity, userId: string, market?: string | null) {
  if (caller.userId !== userId) {
    throw new DomainError(ErrorCode.FORBIDDEN, 'Only the account itself can see its open orders.');
  }
  return listUserOrders(db, userId, {
    ...(market ? { market: normaliseCode(market) } : {}),
    statuses: OPEN_STATUSES,
    take: 1000,
  });
}

/** Fills read per market at a time: bounds the memory of a first query on a long history. */
const FILLS_PER_READ = 2000;

/**
 * The caller's positions: the stored states (PositionSnapshot) plus the fills after them,
 * folded in settlement order; the states that moved are stored for the next query.
 */
export async function positions(db: Db, caller: Identity) {
  const snapshots = await positionSnapshots(db, caller.userId);
  const marks = new Map([...snapshots].map(([market, s]) => [market, s.lastFillId]));
  let states = new Map<string, PositionState>(snapshots);
  const moved = new Set<string>();
  for (let more = true; more; ) {
    const fills = await fillsAfter(db, caller.userId, marks, FILLS_PER_READ);
    states = foldPositions(fills, states);
    const read = new Map<string, number>();
    for (const f of fills) {
      marks.set(f.marketSymbol, f.id);
      moved.add(f.marketSymbol);
      read.set(f.marketSymbol, (read.get(f.marketSymbol) ?? 0) + 1);
    }
    more = [...read.values()].some((n) => n === FILLS_PER_READ);
  }
  await savePositionSnapshots(
    db,
    caller.userId,
    [...moved].map((marketSymbol) => {
      const { quantity, cost, realized } = states.get(marketSymbol)!;
      return { marketSymbol, lastFillId: marks.get(marketSymbol)!, quantity, cost, realized };
    }),
  );
  return positionViews(states, await lastPrices(db, [...states.keys()]));
}

/** Base quantity still to fill; null for a MARKET BUY by quote amount. */
export function remainingQuantity(row: OrderRow) {
  return row.quantity ? row.quantity.minus(row.filledQuantity) : null;
}

export function averagePrice(row: OrderRow) {
  return row.filledQuantity.gt(0)
    ? row.filledQuoteQuantity.div(row.filledQuantity).toDecimalPlaces(18)
    : null;
}
