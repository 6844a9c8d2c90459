import type { Db } from '@flowex/db';
import { DomainError } from '@flowex/schema';
import { latestTrades } from '../data/trades.ts';

export const MAX_RECENT_TRADES = 1000;

/** The market's latest trades, newest first. */
export function recentTrades(db: Db, market: string, limit: number) {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_TRADES) {
    throw new DomainError('BAD_USER_INPUT', `limit must be between 1 and ${MAX_RECENT_TRADES}`, {
      field: 'limit',
    });
  }
  return latestTrades(db, market.trim().toUpperCase(), limit);
}
