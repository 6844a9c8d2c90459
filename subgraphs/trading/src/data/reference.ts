// Assets and markets as stored. Markets always come with both assets so that
// `markets { baseAsset { code } }` is one query, not one per market.
import type { Asset, Db, Market, MarketStatus, Prisma } from '@flowex/db';

export type AssetRow = Asset;
export type MarketRow = Market & { baseAsset: Asset; quoteAsset: Asset };

const withAssets = { baseAsset: true, quoteAsset: true } as const;

export function listAssets(db: Db): Promise<AssetRow[]> {
  return db.asset.findMany({ orderBy: { code: 'asc' } });
}

export function findAsset(db: Db, code: string): Promise<AssetRow | null> {
  return db.asset.findUnique({ where: { code } });
}

export function listMarkets(
  db: Db,
  filter: { quoteAsset?: string; status?: MarketStatus },
): Promise<MarketRow[]> {
  return db.market.findMany({
    where: {
      ...(filter.quoteAsset ? { quoteAssetCode: filter.quoteAsset } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    },
    include: withAssets,
    orderBy: { symbol: 'asc' },
  });
}

export function findMarket(db: Db, symbol: string): Promise<MarketRow | null> {
  return db.market.findUnique({ where: { symbol }, include: withAssets });
}

export function insertMarket(
  db: Db | Prisma.TransactionClient,
  data: Prisma.MarketUncheckedCreateInput,
) {
  return db.market.create({ data, include: withAssets });
}

export function updateMarketStatus(
  db: Db | Prisma.TransactionClient,
  symbol: string,
  status: MarketStatus,
) {
  return db.market.update({ where: { symbol }, data: { status }, include: withAssets });
}
