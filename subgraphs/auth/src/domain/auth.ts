// Accounts and sessions: register, login, refresh-token rotation, logout, passwords.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Prisma } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Identity } from '@flowex/server';
import { audit } from '../data/audit.ts';
import {
  claimSession,
  createSession,
  findSessionByHash,
  revokeFamily,
  revokeUserSessionsExcept,
} from '../data/sessions.ts';
import { createUser, findUser, findUserByEmail, type UserRow, updateUser } from '../data/users.ts';
import { signAccessToken } from '../security/keys.ts';
import { assertStrongPassword } from '../security/passwords.ts';
import type { AuthServices } from './services.ts';
import { cleanName, normaliseEmail, validEmail } from './users.ts';

export interface AuthPayloadResult {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  user: UserRow;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
}

const INVALID_CREDENTIALS = 'Invalid email or password.';
const invalidCredentials = () =>
  new DomainError(ErrorCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
const invalidRefresh = () =>
  new DomainError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired refresh token.');

export const hashRefreshToken = (token: string) =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** 256 random bits, base64url; only its SHA-256 is stored. */
const newRefreshToken = () => randomBytes(32).toString('base64url');

async function issue(
  s: AuthServices,
  client: Prisma.TransactionClient | AuthServices['db'],
  user: UserRow,
  familyId: string,
  req: RequestInfo,
  /** A refresh keeps its session's end: the lifetime counts from sign-in and never slides. */
  sessionEndsAt = new Date(Date.now() + s.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
): Promise<AuthPayloadResult> {
  const refreshToken = newRefreshToken();
  await createSession(client, {
    userId: user.id,
    familyId,
    tokenHash: hashRefreshToken(refreshToken),
    expiresAt: sessionEndsAt,
    ip: req.ip,
    userAgent: req.userAgent?.slice(0, 512) ?? null,
  });
  const { token, expiresAt } = await signAccessToken(
    s.keys,
    { userId: user.id, sessionId: familyId, roles: user.roles, accountNo: user.accountNo },
    s.config.ACCESS_TOKEN_TTL_SECONDS,
  );
  return { accessToken: token, refreshToken, accessTokenExpiresAt: expiresAt, user };
}

export async function register(
  s: AuthServices,
  input: { email: string; password: string; firstName?: string | null; lastName?: string | null },
  req: RequestInfo,
): Promise<AuthPayloadResult> {
  try {
    await s.limits.registerPerIp.take(req.ip ?? 'unknown');
  } catch (error) {
    await audit(s.db, { action: 'auth.register.rate_limited', ip: req.ip });
    throw error;
  }
  const email = validEmail(input.email);
  const firstName = cleanName(input.firstName, 'firstName') ?? null;
  const lastName = cleanName(input.lastName, 'lastName') ?? null;
  const local = email.split('@')[0] ?? '';
  assertStrongPassword(
    input.password,
    [email, local, firstName ?? '', lastName ?? ''].filter(Boolean),
  );
  const taken = () => new DomainError(ErrorCode.EMAIL_TAKEN, 'This email is already registered.');
  if (await findUserByEmail(s.db, email)) throw taken();
  const passwordHash = await s.hasher.hash(input.password);
  try {
    return await s.db.$transaction(async (tx) => {
      const user = await createUser(tx, { email, passwordHash, firstName, lastName });
      await audit(tx, { action: 'auth.register', userId: user.id, ip: req.ip });
      return issue(s, tx, user, randomUUID(), req);
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw taken(); // a concurrent registration of the same email won
    }
    throw error;
  }
}

export async function login(
  s: AuthServices,
  args: { email: string; password: string; twoFactorCode?: string | null },
  req: RequestInfo,
): Promise<AuthPayloadResult> {
  const email = normaliseEmail(args.email).slice(0, 320);
  const ipKey = req.ip ?? 'unknown';
  try {
    await s.limits.loginPerIp.assertAllowed(ipKey);
    await s.limits.loginPerAccount.assertAllowed(email);
  } catch (error) {
    await audit(s.db, { action: 'auth.login.rate_limited', ip: req.ip, details: { email } });
    throw error;
  }
  const user = await findUserByEmail(s.db, email);
  const usable = user && !user.isSystem ? user : null;
  // Unknown email: verify against a dummy hash anyway, so both failures cost the same.
  const ok = await s.hasher.verify(usable?.passwordHash, args.password);
  if (!usable || !ok) {
    await Promise.all([s.limits.loginPerIp.fail(ipKey), s.limits.loginPerAccount.fail(email)]);
    await audit(s.db, {
      action: 'auth.login.failure',
      userId: usable?.id ?? null,
      ip: req.ip,
      details: { email, reason: usable ? 'password' : 'unknown_email' },
    });
    throw invalidCredentials();
  }
  if (usable.twoFactorEnabled) {
    if (!args.twoFactorCode) {
      throw new DomainError(
        ErrorCode.TWO_FACTOR_REQUIRED,
        'Enter the code from your authenticator app.',
      );
    }
    try {
      await s.twoFactor.verify(usable, args.twoFactorCode);
    } catch (error) {
      await s.limits.loginPerAccount.fail(email);
      await audit(s.db, {
        action: 'auth.login.failure',
        userId: usable.id,
        ip: req.ip,
        details: { email, reason: 'two_factor' },
      });
      throw error;
    }
  }
  await s.limits.loginPerAccount.reset(email);
  if (usable.passwordHash && s.hasher.needsRehash(usable.passwordHash)) {
    await updateUser(s.db, usable.id, { passwordHash: await s.hasher.hash(args.password) });
  }
  const familyId = randomUUID();
  // Session and audit row in one commit: one fsync per login, not two.
  return s.db.$transaction(async (tx) => {
    await audit(tx, {
      action: 'auth.login.success',
      userId: usable.id,
      ip: req.ip,
      details: { sessionId: familyId },
    });
    return issue(s, tx, usable, familyId, req);
  });
}

export async function refresh(
  s: AuthServices,
  token: string,
  req: RequestInfo,
): Promise<AuthPayloadResult> {
  const session = await findSessionByHash(s.db, hashRefreshToken(token));
  if (!session || session.revokedAt || session.user.isSystem) throw invalidRefresh();
  const reuse = async () => {
    await revokeFamily(s.db, session.familyId);
    await audit(s.db, {
      action: 'auth.refresh.reuse_detected',
      userId: session.userId,
      ip: req.ip,
      details: { sessionId: session.familyId },
    });
    return invalidRefresh();
  };
  if (session.usedAt) throw await reuse();
  if (session.expiresAt.getTime() <= Date.now()) throw invalidRefresh();
  const result = await s.db.$transaction(async (tx) => {
    if (!(await claimSession(tx, session.id, new Date()))) return null;
    return issue(s, tx, session.user, session.familyId, req, session.expiresAt);
  });
  // Lost a race against another use of the same token: that is reuse too.
  if (!result) throw await reuse();
  return result;
}

export async function logout(
  s: AuthServices,
  token: string,
  identity: Identity | null,
  req: RequestInfo,
): Promise<boolean> {
  const session = await findSessionByHash(s.db, hashRefreshToken(token));
  if (!session) return false;
  if (identity && identity.userId !== session.userId) {
    throw new DomainError(ErrorCode.FORBIDDEN, 'This refresh token belongs to another account.');
  }
  const revoked = await revokeFamily(s.db, session.familyId);
  if (revoked === 0) return false;
  await audit(s.db, {
    action: 'auth.logout',
    userId: session.userId,
    ip: req.ip,
    details: { sessionId: session.familyId },
  });
  return true;
}

export async function changePassword(
  s: AuthServices,
  identity: Identity,
  args: { currentPassword: string; newPassword: string },
  req: RequestInfo,
): Promise<boolean> {
  const user = await findUser(s.db, identity.userId);
  if (!user) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This account no longer exists.');
  await s.limits.loginPerAccount.assertAllowed(user.email);
  if (!(await s.hasher.verify(user.passwordHash, args.currentPassword))) {
    await s.limits.loginPerAccount.fail(user.email);
    await audit(s.db, {
      action: 'auth.login.failure',
      userId: user.id,
      ip: req.ip,
      details: { reason: 'change_password' },
    });
    throw invalidCredentials();
  }
  const local = user.email.split('@')[0] ?? '';
  assertStrongPassword(
    args.newPassword,
    [user.email, local, user.firstName ?? '', user.lastName ?? '', args.currentPassword].filter(
      Boolean,
    ),
  );
  const passwordHash = await s.hasher.hash(args.newPassword);
  await s.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const ended = await revokeUserSessionsExcept(tx, user.id, identity.sessionId);
    await audit(tx, {
      action: 'auth.password.changed',
      userId: user.id,
      ip: req.ip,
      details: { otherSessionsEnded: ended },
    });
  });
  return true;
}

export async function updateProfile(
  s: AuthServices,
  identity: Identity,
  args: { firstName?: string | null; lastName?: string | null },
  req: RequestInfo,
): Promise<UserRow> {
  const firstName = cleanName(args.firstName, 'firstName');
  const lastName = cleanName(args.lastName, 'lastName');
  const user = await findUser(s.db, identity.userId);
  if (!user) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This account no longer exists.');
  const updated = await updateUser(s.db, user.id, {
    ...(firstName === undefined ? {} : { firstName }),
    ...(lastName === undefined ? {} : { lastName }),
  });
  await audit(s.db, { action: 'auth.profile.updated', userId: user.id, ip: req.ip });
  return updated;
}
