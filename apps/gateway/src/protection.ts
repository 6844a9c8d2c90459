// Hardening: graphql-armor limits, CSRF prevention, per-user and per-IP rate limits
// (Redis-backed when available), and masking of internal errors in production.
import type { ValidationRule } from 'graphql';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { graphql, armor as graphqlArmor } from './graphql.ts';

export interface Limits {
  maxBodyBytes: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Requests per `rateWindowSeconds` from one IP address. */
  ratePerIp: number;
  /** Requests per `rateWindowSeconds` from one user (verified token). */
  ratePerUser: number;
  rateWindowSeconds: number;
  subgraphTimeoutMs: number;
  breakerFailureThreshold: number;
  breakerResetMs: number;
  maxSocketsPerIp: number;
  maxSubscriptionsPerSocket: number;
  connectionInitTimeoutMs: number;
  /** Prepared operations (parse, validation, query plan) kept in memory. */
  operationCacheSize: number;
}

/** What the environment sets (`GATEWAY_*` in @flowex/config, with their defaults there). */
export type ConfiguredLimits =
  | 'ratePerIp'
  | 'ratePerUser'
  | 'maxDepth'
  | 'maxCost'
  | 'maxSocketsPerIp'
  | 'maxSubscriptionsPerSocket'
  | 'subgraphTimeoutMs';

/** The rest of the limits: fixed in code, adjustable through the gateway's options. */
export const fixedLimits: Omit<Limits, ConfiguredLimits> = {
  maxBodyBytes: 256 * 1024,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 50,
  rateWindowSeconds: 1,
  breakerFailureThreshold: 5,
  breakerResetMs: 5_000,
  connectionInitTimeoutMs: 5_000,
  operationCacheSize: 2_000,
};

export function validationRules(limits: Limits, production: boolean): ValidationRule[] {
  const armor = new graphqlArmor.ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { n: limits.maxTokens },
    blockFieldSuggestion: { enabled: production },
  }).protect();
  return [
    ...graphql.specifiedRules,
    ...armor.validationRules,
    ...(production ? [graphql.NoSchemaIntrospectionCustomRule] : []),
  ];
}

/** Production: no "Did you mean …?" hints that leak the schema. */
export function blockFieldSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
}

// ---------------------------------------------------------------- rate limits

export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests, retry later');
  }
}

/**
 * rate-limiter-flexible's RateLimiterRedis step (same keys, counters and expiry) for several
 * keys in one call, in order, stopping at the first key over its limit: a caller whose token
 * the gateway verified before is checked per IP and per user in one round trip instead of two.
 * KEYS: the counters; ARGV: each key's window in seconds, then each key's points. Returns
 * {index of the refusing key or 0, its ms before reset}.
 */
const CONSUME_IN_ORDER = {
  numberOfKeys: 2,
  lua: `
local n = #KEYS
for i = 1, n do
  redis.call('set', KEYS[i], 0, 'EX', ARGV[i], 'NX')
  local consumed = redis.call('incrby', KEYS[i], 1)
  local ttl = redis.call('pttl', KEYS[i])
  if ttl == -1 then
    redis.call('expire', KEYS[i], ARGV[i])
    ttl = 1000 * ARGV[i]
  end
  if consumed > tonumber(ARGV[n + i]) then return {i, ttl} end
end
return {0, 0}`,
};
interface ConsumeInOrder {
  flowexConsumeInOrder(...keysAndArgs: (string | number)[]): Promise<[number, number]>;
}

export class RateLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly perUser: RateLimiterAbstract;

  constructor(
    limits: Limits,
    private readonly redis?: Redis,
    namespace = 'flowex',
  ) {
    const ip = {
      keyPrefix: `${namespace}:gw:rl:ip`,
      points: limits.ratePerIp,
      duration: limits.rateWindowSeconds,
    };
    const user = {
      keyPrefix: `${namespace}:gw:rl:user`,
      points: limits.ratePerUser,
      duration: limits.rateWindowSeconds,
    };
    if (redis) {
      // When Redis hiccups, fall back to per-process limits rather than refusing traffic.
      this.perIp = new RateLimiterRedis({
        ...ip,
        storeClient: redis,
        insuranceLimiter: new RateLimiterMemory(ip),
      });
      this.perUser = new RateLimiterRedis({
        ...user,
        storeClient: redis,
        insuranceLimiter: new RateLimiterMemory(user),
      });
      redis.defineCommand('flowexConsumeInOrder', CONSUME_IN_ORDER);
    } else {
      this.perIp = new RateLimiterMemory(ip);
      this.perUser = new RateLimiterMemory(user);
    }
  }

  ip(address: string): Promise<void> {
    return consume(this.perIp, address);
  }

  user(userId: string): Promise<void> {
    return consume(this.perUser, userId);
  }

  /** `ip(address)`, then, unless it refused, `user(userId)`: through Redis in one call. */
  async ipAndUser(address: string, userId: string): Promise<void> {
    const { perIp: ip, perUser: user } = this;
    const refused = await (this.redis as (Redis & ConsumeInOrder) | undefined)
      ?.flowexConsumeInOrder(
        ip.getKey(address),
        user.getKey(userId),
        ip.duration,
        user.duration,
        ip.points,
        user.points,
      )
      .catch(() => undefined); // Redis hiccups: each limiter on its own, with its fallback
    if (!refused) {
      await this.ip(address);
      return this.user(userId);
    }
    const [which, msBeforeNext] = refused;
    if (which !== 0) throw new RateLimitedError(Math.max(1, Math.ceil(msBeforeNext / 1000)));
  }
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      throw new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
    throw error;
  }
}

// ---------------------------------------------------------------- CSRF

const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

/**
 * Apollo's CSRF prevention: a request a browser could send without a preflight (GET, or a
 * POST with a "simple" content type) must carry `apollo-require-preflight` or
 * `x-apollo-operation-name`.
 */
export function csrfBlocked(headers: Record<string, string | string[] | undefined>): boolean {
  const contentType = headers['content-type'];
  if (typeof contentType === 'string') {
    const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (!SIMPLE_CONTENT_TYPES.has(mime)) return false;
  }
  return !headers['apollo-require-preflight'] && !headers['x-apollo-operation-name'];
}

// ---------------------------------------------------------------- error masking

/** Codes whose messages are meant for clients; anything else is internal. */
const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'WEAK_PASSWORD',
  'INVALID_CREDENTIALS',
  'TWO_FACTOR_REQUIRED',
  'INVALID_TWO_FACTOR_CODE',
  'INSUFFICIENT_FUNDS',
  'MARKET_HALTED',
  'PRICE_OUT_OF_BAND',
  'TOO_MANY_OPEN_ORDERS',
  'ORDER_NOT_CANCELABLE',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'SUBGRAPH_UNAVAILABLE',
]);

export interface ClientError {
  message: string;
  locations?: unknown;
  path?: unknown;
  extensions?: Record<string, unknown>;
}

/** In production internal errors become "Internal server error"; stack traces never leave. */
export function maskError(error: ClientError, production: boolean): ClientError {
  const code = error.extensions?.code;
  if (!production) return error;
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    const { stacktrace: _s, exception: _e, ...extensions } = error.extensions ?? {};
    return { ...error, extensions };
  }
  const masked: ClientError = {
    message: 'Internal server error',
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
  if (error.path) masked.path = error.path;
  return masked;
}
