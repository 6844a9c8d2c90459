import type { Db, DepositAddress } from '@flowex/db';

export type DepositAddressRow = DepositAddress;

export async function ensureDepositAddress(
  db: Db,
  row: { userId: string; assetCode: string; address: string; memo: string | null },
): Promise<DepositAddressRow> {
  await db.depositAddress.createMany({ data: [row], skipDuplicates: true });
  return db.depositAddress.findUniqueOrThrow({
    where: { userId_assetCode: { userId: row.userId, assetCode: row.assetCode } },
  });
}

export function listDepositAddresses(db: Db, userId: string): Promise<DepositAddressRow[]> {
  return db.depositAddress.findMany({ where: { userId }, orderBy: { assetCode: 'asc' } });
}
