// Markets for the order-entry hot path, cached per process. Their rules (tick, lot,
// minimums, band) change only through createMarket; the status is re-checked atomically by
// the intake statement, so a stale TRADING here can never let an order into a halted market,
// and a cached HALTED is re-read before refusing.
import type { Db } from '@flowex/db';
import { RefreshingCache } from '@flowex/server';
import { findMarket, type MarketRow } from '../data/reference.ts';

const TTL_MS = 5_000;
const caches = new WeakMap<Db, RefreshingCache<string, MarketRow>>();

function cacheOf(db: Db): RefreshingCache<string, MarketRow> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new RefreshingCache(
      async (symbol) => (await findMarket(db, symbol)) ?? undefined,
      TTL_MS,
    );
    caches.set(db, cache);
  }
  return cache;
}

/** The market with its assets; one that is not TRADING is always read fresh. */
export async function cachedMarket(db: Db, symbol: string): Promise<MarketRow | null> {
  const cache = cacheOf(db);
  const market = await cache.get(symbol);
  if (market === undefined || market.status === 'TRADING') return market ?? null;
  return (await cache.fresh(symbol)) ?? null;
}

/** How many markets are cached (tests). */
export function cachedMarketCount(db: Db): number {
  return caches.get(db)?.size ?? 0;
}

/** After this process changed a market (status, creation). */
export function forgetMarket(db: Db, symbol: string): void {
  caches.get(db)?.forget(symbol);
}
