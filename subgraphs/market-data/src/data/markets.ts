import type { Db } from '@flowex/db';

export async function marketExists(db: Db, symbol: string): Promise<boolean> {
  return (await db.market.count({ where: { symbol } })) > 0;
}
