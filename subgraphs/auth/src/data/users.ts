import type { Db, Prisma, User } from '@flowex/db';

export type UserRow = User;

export function findUser(db: Db, id: string): Promise<UserRow | null> {
  return db.user.findFirst({ where: { id, isSystem: false } });
}

export function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  return db.user.findUnique({ where: { email } });
}

export function createUser(
  db: Db | Prisma.TransactionClient,
  data: { email: string; passwordHash: string; firstName: string | null; lastName: string | null },
): Promise<UserRow> {
  return db.user.create({ data: { ...data, roles: ['TRADER'] } });
}

export function updateUser(db: Db, id: string, data: Prisma.UserUpdateInput): Promise<UserRow> {
  return db.user.update({ where: { id }, data });
}
