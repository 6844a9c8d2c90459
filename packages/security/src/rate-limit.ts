// Brute-force protection: failures (logins, 2FA codes) or attempts (registrations) are
// counted per key (IP, account); a key that has used up its points is refused with
// RATE_LIMITED until the window passes. Redis-backed
// when REDIS_URL is set so every process shares the counters; in memory otherwise.
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from 'rate-limiter-flexible';

export interface LimitRule {
  /** Failures allowed within the window. */
  points: number;
  /** Window, seconds. */
  duration: number;
}

export interface RateLimits {
  /** Failed logins per client IP. */
  loginPerIp: LimitRule;
  /** Failed logins (wrong password or 2FA code) per account (email). */
  loginPerAccount: LimitRule;
  /** Wrong 2FA codes per user, wherever a code is asked for. */
  twoFactorPerUser: LimitRule;
  /**
   * Registrations per client IP, counted before the password is hashed: each one costs an
   * argon2 hash (≈ 20 ms of CPU), and EMAIL_TAKEN answers would otherwise enumerate accounts.
   */
  registerPerIp: LimitRule;
}

export const defaultRateLimits: RateLimits = {
  loginPerIp: { points: 50, duration: 15 * 60 },
  loginPerAccount: { points: 10, duration: 15 * 60 },
  twoFactorPerUser: { points: 5, duration: 15 * 60 },
  registerPerIp: { points: 20, duration: 60 * 60 },
};

function rateLimited(res: RateLimiterRes): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new DomainError(
    ErrorCode.RATE_LIMITED,
    `Too many attempts; try again in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}

export class FailureLimiter {
  private limiter: RateLimiterAbstract;

  constructor(
    name: string,
    private rule: LimitRule,
    redis: Redis | undefined,
    prefix = 'flowex:rl',
  ) {
    const opts = { keyPrefix: `${prefix}:${name}`, points: rule.points, duration: rule.duration };
    this.limiter = redis
      ? new RateLimiterRedis({
          ...opts,
          storeClient: redis,
          // Redis down: fall back to per-process counters rather than failing open.
          insuranceLimiter: new RateLimiterMemory(opts),
        })
      : new RateLimiterMemory(opts);
  }

  /** RATE_LIMITED when `key` has no failures left. */
  async assertAllowed(key: string): Promise<void> {
    const res = await this.limiter.get(key);
    if (res && res.consumedPoints >= this.rule.points) throw rateLimited(res);
  }

  /** Counts one attempt against `key`; RATE_LIMITED once the window's points are used up. */
  async take(key: string): Promise<void> {
    await this.limiter.consume(key).catch((rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
      throw rateLimited(rejection as RateLimiterRes);
    });
  }

  async fail(key: string): Promise<void> {
    await this.limiter.consume(key).catch((rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
    });
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}
