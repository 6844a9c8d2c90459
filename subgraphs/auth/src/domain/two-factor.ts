// Turning two-factor authentication on and off.
import { DomainError, ErrorCode } from '@flowex/schema';
import { encryptSecret, newTotpSecret } from '@flowex/security';
import type { Identity } from '@flowex/server';
import { audit } from '../data/audit.ts';
import { findUser, type UserRow, updateUser } from '../data/users.ts';
import type { RequestInfo } from './auth.ts';
import type { AuthServices } from './services.ts';

async function caller(s: AuthServices, identity: Identity): Promise<UserRow> {
  const user = await findUser(s.db, identity.userId);
  if (!user) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This account no longer exists.');
  return user;
}

const bad = (message: string) => new DomainError(ErrorCode.BAD_USER_INPUT, message);

async function checkCode(s: AuthServices, user: UserRow, code: string, req: RequestInfo) {
  try {
    await s.twoFactor.verify(user, code);
  } catch (error) {
    await audit(s.db, { action: 'auth.2fa.failure', userId: user.id, ip: req.ip });
    throw error;
  }
}

export async function setup(s: AuthServices, identity: Identity, req: RequestInfo) {
  const user = await caller(s, identity);
  if (user.twoFactorEnabled) throw bad('Two-factor authentication is already on.');
  const { secret, otpauthUrl } = newTotpSecret(user.email);
  await updateUser(s.db, user.id, {
    totpSecretEnc: encryptSecret(s.totpKey, secret),
    totpLastStep: null,
  });
  await audit(s.db, { action: 'auth.2fa.setup', userId: user.id, ip: req.ip });
  return { secret, otpauthUrl };
}

export async function enable(s: AuthServices, identity: Identity, code: string, req: RequestInfo) {
  const user = await caller(s, identity);
  if (user.twoFactorEnabled) throw bad('Two-factor authentication is already on.');
  if (!user.totpSecretEnc) throw bad('Call setupTwoFactor first.');
  await checkCode(s, user, code, req);
  await updateUser(s.db, user.id, { twoFactorEnabled: true });
  await audit(s.db, { action: 'auth.2fa.enabled', userId: user.id, ip: req.ip });
  return true;
}

export async function disable(s: AuthServices, identity: Identity, code: string, req: RequestInfo) {
  const user = await caller(s, identity);
  if (!user.twoFactorEnabled) throw bad('Two-factor authentication is not on.');
  await checkCode(s, user, code, req);
  await updateUser(s.db, user.id, { twoFactorEnabled: false, totpSecretEnc: null });
  await audit(s.db, { action: 'auth.2fa.disabled', userId: user.id, ip: req.ip });
  return true;
}
