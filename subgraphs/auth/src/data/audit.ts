// Security events. Every one is a row: who, what, from where, and details.
import type { Db, Prisma } from '@flowex/db';

export type AuditAction =
  | 'auth.register'
  | 'auth.login.success'
  | 'auth.login.failure'
  | 'auth.login.rate_limited'
  | 'auth.register.rate_limited'
  | 'auth.refresh.reuse_detected'
  | 'auth.logout'
  | 'auth.password.changed'
  | 'auth.profile.updated'
  | 'auth.2fa.setup'
  | 'auth.2fa.enabled'
  | 'auth.2fa.disabled'
  | 'auth.2fa.failure';

export async function audit(
  db: Db | Prisma.TransactionClient,
  entry: {
    action: AuditAction;
    userId?: string | null;
    actorId?: string | null;
    ip?: string | null;
    details?: Prisma.InputJsonValue;
  },
): Promise<void> {
  await db.auditLog.create({
    data: {
      action: entry.action,
      userId: entry.userId ?? null,
      actorId: entry.actorId ?? entry.userId ?? null,
      ip: entry.ip ?? null,
      ...(entry.details === undefined ? {} : { details: entry.details }),
    },
  });
}
