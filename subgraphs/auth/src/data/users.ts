import type { Db, User } from '@flowex/db';

export type UserRow = User;

export function findUser(db: Db, id: string): Promise<UserRow | null> {
  return db.user.findFirst({ where: { id, isSystem: false } });
}
