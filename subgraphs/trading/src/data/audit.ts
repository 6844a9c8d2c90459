import type { Db, Prisma } from '@flowex/db';

type Tx = Prisma.TransactionClient | Db;

export function recordAudit(
  db: Tx,
  entry: {
    action: string;
    actorId?: string | null;
    userId?: string | null;
    ip?: string | null;
    details?: Prisma.InputJsonValue;
  },
) {
  return db.auditLog.create({
    data: {
      action: entry.action,
      actorId: entry.actorId ?? null,
      userId: entry.userId ?? null,
      ip: entry.ip ?? null,
      ...(entry.details === undefined ? {} : { details: entry.details }),
    },
  });
}
