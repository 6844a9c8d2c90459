// Markets for the order-entry hot path, cached per process. Their rules (tick, lot,
// minimums, band) change only through createMarket; the status is re-checked atomically by
// the intake statement, so a stale TRADING here can never let an order into a halted market,
// and a cached HALTED is re-read before refusing.
import type { Db } from '@flowex/db';
import { findMarket, type MarketRow } from '../data/reference.ts';

const TTL_MS = 5_000;
const caches = new WeakMap<Db, Map<string, { at: number; market: MarketRow | null }>>();

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
  cache.set(symbol, { at: Date.now(), market });
  return market;
}

/** After this process changed a market (status, creation). */
export function forgetMarket(db: Db, symbol: string): void {
  caches.get(db)?.delete(symbol);
}
