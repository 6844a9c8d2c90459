// Refresh-token sessions. A family is one login; each refresh adds a child row.
import type { Db, Prisma, Session, User } from '@flowex/db';

type Client = Db | Prisma.TransactionClient;

export type SessionWithUser = Session & { user: User };

export function createSession(
  db: Client,
  data: {
    userId: string;
    familyId: string;
    tokenHash: string;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<Session> {
  return db.session.create({ data });
}

export function findSessionByHash(db: Client, tokenHash: string): Promise<SessionWithUser | null> {
  return db.session.findUnique({ where: { tokenHash }, include: { user: true } });
}

/** Marks the session used; false when it was used or revoked meanwhile. */
export async function claimSession(db: Client, id: string, now: Date): Promise<boolean> {
  const { count } = await db.session.updateMany({
    where: { id, usedAt: null, revokedAt: null },
    data: { usedAt: now },
  });
  return count === 1;
}

export async function revokeFamily(db: Client, familyId: string, now = new Date()) {
  const { count } = await db.session.updateMany({
    where: { familyId, revokedAt: null },
    data: { revokedAt: now },
  });
  return count;
}

export async function revokeUserSessionsExcept(db: Client, userId: string, keepFamilyId: string) {
  const { count } = await db.session.updateMany({
    where: { userId, revokedAt: null, NOT: { familyId: keepFamilyId } },
    data: { revokedAt: new Date() },
  });
  return count;
}

/**
 * Deletes sessions that ended before `before`, `batch` rows per statement (short
 * statements, short locks). Every row of a family ends when its sign-in's session does, so
 * a deleted row's whole family is over: its tokens were refused anyway, reuse included.
 */
export async function purgeEndedSessions(db: Db, before: Date, batch = 10_000): Promise<number> {
  let purged = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM "Session" WHERE id IN (
        SELECT id FROM "Session" WHERE "expiresAt" < ${before} LIMIT ${batch})`;
    purged += n;
    if (n < batch) return purged;
  }
}
