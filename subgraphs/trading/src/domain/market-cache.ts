// Markets for the order-entry hot path, cached per process. Their rules (tick, lot,
// minimums, band) change only through createMarket; the status is re-checked atomically by
// the intake statement, so a stale TRADING here can never let an order into a halted market,
// and a cached HALTED is re-read before refusing.
import type { Db } from '@flowex/db';
import { findMarket, type MarketRow } from '../data/reference.ts';

const TTL_MS = 5_000;
const caches = new WeakMap<Db, Map<string, { at: number; market: MarketRow }>>();

/** The market with its assets; a HALTED one is always read fresh. */
export async function cachedMarket(db: Db, symbol: string): Promise<MarketRow | null> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const hit = cache.get(symbol);
  if (hit?.market?.status === 'TRADING' && Date.now() - hit.at < TTL_MS) return hit.market;
  const market = await findMarket(db, symbol);
  // Only markets that exist: any string a client sends would otherwise stay here for good.
  if (market) cache.set(symbol, { at: Date.now(), market });
  else cache.delete(symbol);
  return market;
}

/** How many markets are cached (tests). */
export function cachedMarketCount(db: Db): number {
  return caches.get(db)?.size ?? 0;
}

/** After this process changed a market (status, creation). */
export function forgetMarket(db: Db, symbol: string): void {
  caches.get(db)?.delete(symbol);
}
