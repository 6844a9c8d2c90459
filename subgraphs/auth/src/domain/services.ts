// Everything the auth rules need besides the request: built once per process.
import type { Config } from '@flowex/config';
import type { Db } from '@flowex/db';
import {
  createTwoFactorChecker,
  defaultRateLimits,
  FailureLimiter,
  loadTotpKey,
  type RateLimits,
  type TwoFactorChecker,
} from '@flowex/security';
import type { Redis } from 'ioredis';
import { loadSigningKeys, type SigningKeys } from '../security/keys.ts';
import { argon2Params, PasswordHasher } from '../security/passwords.ts';
import type { SessionPurgeOptions } from './session-purge.ts';

export interface AuthServices {
  db: Db;
  config: Config;
  keys: SigningKeys;
  hasher: PasswordHasher;
  totpKey: Buffer;
  twoFactor: TwoFactorChecker;
  limits: {
    loginPerIp: FailureLimiter;
    loginPerAccount: FailureLimiter;
    registerPerIp: FailureLimiter;
  };
}

export interface AuthOptions {
  rateLimits?: Partial<RateLimits>;
  /** Key prefix of the rate-limit counters (tests use their own). */
  rateLimitPrefix?: string;
  /** When ended sessions are purged (default: a minute after start, then hourly). */
  sessionPurge?: SessionPurgeOptions;
}

export async function createAuthServices(
  config: Config,
  db: Db,
  redis: Redis | undefined,
  options: AuthOptions = {},
): Promise<AuthServices> {
  const rules = {
    ...defaultRateLimits,
    registerPerIp: { points: config.AUTH_REGISTRATIONS_PER_IP_HOUR, duration: 60 * 60 },
    ...options.rateLimits,
  };
  const prefix = options.rateLimitPrefix ?? `${config.REDIS_NAMESPACE}:rl`;
  return {
    db,
    config,
    keys: await loadSigningKeys(config),
    hasher: new PasswordHasher(argon2Params(config)),
    totpKey: loadTotpKey(config),
    twoFactor: createTwoFactorChecker(config, db, {
      ...(redis ? { redis } : {}),
      rule: rules.twoFactorPerUser,
      ...(prefix ? { prefix } : {}),
    }),
    limits: {
      loginPerIp: new FailureLimiter('login-ip', rules.loginPerIp, redis, prefix),
      loginPerAccount: new FailureLimiter('login-account', rules.loginPerAccount, redis, prefix),
      registerPerIp: new FailureLimiter('register-ip', rules.registerPerIp, redis, prefix),
    },
  };
}
