// Reference data rules: symbols and codes are case-insensitive on input, stored upper-case.
import type { Db, MarketStatus } from '@flowex/db';
import { findAsset, findMarket, listAssets, listMarkets } from '../data/reference.ts';

export const normaliseCode = (code: string) => code.trim().toUpperCase();

export const assets = (db: Db) => listAssets(db);

export const asset = (db: Db, code: string) => findAsset(db, normaliseCode(code));

export const markets = (
  db: Db,
  filter: { quoteAsset?: string | null; status?: MarketStatus | null },
) =>
  listMarkets(db, {
    ...(filter.quoteAsset ? { quoteAsset: normaliseCode(filter.quoteAsset) } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  });

export const market = (db: Db, symbol: string) => findMarket(db, normaliseCode(symbol));
