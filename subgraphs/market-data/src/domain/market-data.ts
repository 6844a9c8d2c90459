// Read models over committed trades: tickers and candles. Prices are exact decimals;
// the only rounding is the 24 h change percentage, to 2 decimals.
import type { CandleInterval, Db } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import { findCandles } from '../data/candles.ts';
import { loadTickers, type TickerRow } from '../data/tickers.ts';

export const MAX_CANDLES = 1000;

export const INTERVAL_MS: Record<CandleInterval, number> = {
  ONE_MINUTE: 60_000,
  FIVE_MINUTES: 5 * 60_000,
  FIFTEEN_MINUTES: 15 * 60_000,
  ONE_HOUR: 3600_000,
  FOUR_HOURS: 4 * 3600_000,
  ONE_DAY: 24 * 3600_000,
};

const normalise = (symbol: string) => symbol.trim().toUpperCase();

export const tickers = (db: Db) => loadTickers(db, null, new Date());

export async function ticker(db: Db, market: string): Promise<TickerRow | null> {
  const [row] = await loadTickers(db, [normalise(market)], new Date());
  return row ?? null;
}

export function priceChange(row: TickerRow) {
  if (!row.lastPrice || !row.open24h) return { change: null, percent: null };
  const change = row.lastPrice.minus(row.open24h);
  return { change, percent: change.div(row.open24h).mul(100).toDecimalPlaces(2) };
}

export function candles(
  db: Db,
  args: {
    market: string;
    interval: CandleInterval;
    from?: Date | null;
    to?: Date | null;
    limit?: number | null;
  },
) {
  const limit = args.limit ?? 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CANDLES) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `limit must be between 1 and ${MAX_CANDLES}`, {
      field: 'limit',
    });
  }
  if (args.from && args.to && args.from > args.to) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'from must not be after to', { field: 'from' });
  }
  return findCandles(db, {
    market: normalise(args.market),
    interval: args.interval,
    from: args.from ?? null,
    to: args.to ?? null,
    limit,
  });
}
