// Per-process caches for the order-entry hot path. Market rules (tick, lot, minimums, band)
// change only through createMarket; the status is re-checked atomically by the intake
// statement, so a stale TRADING here can never let an order into a halted market, and a
// cached HALTED is re-read before refusing. The last trade price only feeds the price band
// (a sanity bound of several percent): a quarter of a second of staleness is harmless.
import type { Db, Prisma } from '@flowex/db';
import { lastPrices } from '../data/orders.ts';
import { findMarket, type MarketRow } from '../data/reference.ts';

const MARKET_TTL_MS = 5_000;
const LAST_PRICE_TTL_MS = 250;

interface Entry<T> {
  at: number;
  value: T;
}
const markets = new WeakMap<Db, Map<string, Entry<MarketRow | null>>>();
const prices = new WeakMap<Db, Map<string, Entry<Promise<Prisma.Decimal | null>>>>();

function cacheOf<T>(all: WeakMap<Db, Map<string, T>>, db: Db): Map<string, T> {
  let m = all.get(db);
  if (!m) {
    m = new Map();
    all.set(db, m);
  }
  return m;
}

/** The market with its assets; a HALTED one is always read fresh. */
export async function cachedMarket(db: Db, symbol: string): Promise<MarketRow | null> {
  const cache = cacheOf(markets, db);
  const hit = cache.get(symbol);
  if (hit?.value && hit.value.status === 'TRADING' && Date.now() - hit.at < MARKET_TTL_MS) {
    return hit.value;
  }
  const value = await findMarket(db, symbol);
  cache.set(symbol, { at: Date.now(), value });
  return value;
}

/** After this process changed a market (status, creation). */
export function forgetMarket(db: Db, symbol: string): void {
  markets.get(db)?.delete(symbol);
}

/** The last trade price, shared by concurrent requests and cached briefly. */
export function cachedLastPrice(db: Db, symbol: string): Promise<Prisma.Decimal | null> {
  const cache = cacheOf(prices, db);
  const hit = cache.get(symbol);
  if (hit && Date.now() - hit.at < LAST_PRICE_TTL_MS) return hit.value;
  const value = lastPrices(db, [symbol]).then((m) => m.get(symbol) ?? null);
  cache.set(symbol, { at: Date.now(), value });
  value.catch(() => cache.delete(symbol));
  return value;
}
