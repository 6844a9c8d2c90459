import type { Asset, Db } from '@flowex/db';

export function listAssets(db: Db): Promise<Asset[]> {
  return db.asset.findMany({ orderBy: { code: 'asc' } });
}

export function findAsset(db: Db, code: string): Promise<Asset | null> {
  return db.asset.findUnique({ where: { code } });
}

export async function findUserSecurity(db: Db, id: string) {
  return db.user.findUnique({
    where: { id },
    select: { id: true, twoFactorEnabled: true, totpSecretEnc: true },
  });
}

export async function findUserIdByEmail(db: Db, email: string): Promise<string | null> {
  return (await db.user.findUnique({ where: { email }, select: { id: true } }))?.id ?? null;
}
