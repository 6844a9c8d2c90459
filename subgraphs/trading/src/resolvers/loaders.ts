import type { Context } from '../context.ts';
import { findMarket, type MarketRow } from '../data/reference.ts';

/** The market of an order or fill, looked up once per request. */
export async function marketOf(ctx: Context, symbol: string): Promise<MarketRow> {
  let market = ctx.markets.get(symbol);
  if (!market) {
    market = findMarket(ctx.db, symbol);
    ctx.markets.set(symbol, market);
  }
  const found = await market;
  if (!found) throw new Error(`market ${symbol} vanished`);
  return found;
}
