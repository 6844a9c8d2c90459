// TOTP two-factor codes (RFC 6238: SHA-1, 6 digits, 30 s): secrets encrypted at rest
// with AES-256-GCM, each time step accepted once, wrong codes rate-limited per user.
// Shared by auth (setup, login) and wallet (withdrawals ask for a code); this module is
// the only writer of User.totpLastStep, whichever service calls it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from '@flowex/config';
import type { Db } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import { devSecret } from '@flowex/server';
import type { Redis } from 'ioredis';
import * as OTPAuth from 'otpauth';
import { defaultRateLimits, FailureLimiter, type LimitRule } from './rate-limit.ts';

export const TOTP_ISSUER = 'FlowEx';
const PERIOD = 30;
const DIGITS = 6;

export function loadTotpKey(config: Config): Buffer {
  const text = devSecret({
    configured: config.TOTP_ENCRYPTION_KEY,
    production: config.production,
    dataDir: config.FLOWEX_DATA_DIR,
    name: 'totp-encryption.key',
    variable: 'TOTP_ENCRYPTION_KEY',
    generate: () => randomBytes(32).toString('base64'),
  });
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error('TOTP_ENCRYPTION_KEY must be 32 bytes, base64');
  return key;
}

export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
    .join(':');
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, body] = stored.split(':');
  if (version !== 'v1' || !iv || !tag || !body) throw new Error('unknown TOTP secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}

const totpFor = (secretBase32: string, label = 'FlowEx') =>
  new OTPAuth.TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });

export function newTotpSecret(email: string): { secret: string; otpauthUrl: string } {
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  return { secret, otpauthUrl: totpFor(secret, email).toString() };
}

/** The code for `secretBase32` now (tests, the bench). */
export const currentTotpCode = (secretBase32: string, timestamp = Date.now()) =>
  totpFor(secretBase32).generate({ timestamp });

export interface TwoFactorUser {
  id: string;
  totpSecretEnc: string | null;
}

export interface TwoFactorChecker {
  /**
   * Accepts `code` for `user` once: INVALID_TWO_FACTOR_CODE for a wrong or reused code,
   * RATE_LIMITED after too many wrong ones. `pendingSecret` checks a secret not yet saved.
   */
  verify(user: TwoFactorUser, code: string): Promise<void>;
  close(): Promise<void>;
}

export function createTwoFactorChecker(
  config: Config,
  db: Db,
  options: { redis?: Redis; rule?: LimitRule; prefix?: string } = {},
): TwoFactorChecker {
  const key = loadTotpKey(config);
  const limiter = new FailureLimiter(
    'totp',
    options.rule ?? defaultRateLimits.twoFactorPerUser,
    options.redis,
    options.prefix,
  );
  const invalid = () =>
    new DomainError(ErrorCode.INVALID_TWO_FACTOR_CODE, 'Invalid two-factor code.');
  return {
    async verify(user, code) {
      await limiter.assertAllowed(user.id);
      const token = code.replace(/\s/g, '');
      if (!user.totpSecretEnc || !/^\d{6}$/.test(token)) {
        await limiter.fail(user.id);
        throw invalid();
      }
      const secret = decryptSecret(key, user.totpSecretEnc);
      const delta = totpFor(secret).validate({ token, window: 1 });
      if (delta === null) {
        await limiter.fail(user.id);
        throw invalid();
      }
      const step = BigInt(Math.floor(Date.now() / 1000 / PERIOD) + delta);
      // One use per time step, race-free: only a step later than the last one moves it.
      const claimed = await db.user.updateMany({
        where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      if (claimed.count !== 1) {
        await limiter.fail(user.id);
        throw invalid();
      }
    },
    async close() {},
  };
}
