// Per-process caches for the order-entry hot path. Market rules (tick, lot, minimums, band)
// change only through createMarket; the status is re-checked atomically by the intake
// statement, so a stale TRADING here can never let an order into a halted market, and a
// cached HALTED is re-read before refusing.
import type { Db } from '@flowex/db';
import { findMarket, type MarketRow } from '../data/reference.ts';

const MARKET_TTL_MS = 5_000;

interface Entry<T> {
  at: number;
  value: T;
}
const markets = new WeakMap<Db, Map<string, Entry<MarketRow | null>>>();

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
