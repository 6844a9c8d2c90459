// The one place FlowEx reads its environment. Every variable, its default and its
// meaning live in `variables`; README.md's configuration table is generated from the
// same descriptions (`npm run config:table -w @flowex/config`).
import { z } from 'zod';

// Port 0 means "any free port" (tests).
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalUrl = z.url().optional();

export const variables = {
  NODE_ENV: {
    schema: z.enum(['development', 'test', 'production']).default('development'),
    doc: '`production` turns off sandbox accounts, introspection and the landing page.',
  },
  FLOWEX_SANDBOX: {
    schema: flag.optional(),
    doc: 'Sandbox mode: demo/admin accounts and instant deposits. Default on, always off in production.',
  },
  DATABASE_URL: {
    schema: optionalUrl,
    doc: 'PostgreSQL URL. Unset: `npm start` runs an embedded PostgreSQL under `FLOWEX_DATA_DIR`.',
  },
  REDIS_NAMESPACE: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
      .default('flowex'),
    doc: 'Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis.',
  },
  REDIS_URL: {
    schema: optionalUrl,
    doc: 'Redis URL. Set: services run as separate supervised processes over Redis. Unset: one process, in-process bus.',
  },
  FLOWEX_DATA_DIR: {
    schema: z.string().min(1).default('.flowex'),
    doc: 'Where the embedded PostgreSQL and generated development keys live.',
  },
  EMBEDDED_PG_PORT: { schema: port(54329), doc: 'Port of the embedded PostgreSQL.' },
  LISTEN_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Interface every service binds to (`0.0.0.0` in containers).',
  },
  GATEWAY_PORT: { schema: port(8000), doc: 'Public GraphQL endpoint (HTTP and graphql-ws).' },
  GATEWAY_RATE_PER_IP: {
    schema: z.coerce.number().int().min(1).default(300),
    doc: 'Gateway requests per second from one client IP address (answered `RATE_LIMITED` above it).',
  },
  GATEWAY_RATE_PER_USER: {
    schema: z.coerce.number().int().min(1).default(100),
    doc: 'Gateway requests per second from one signed-in user.',
  },
  GATEWAY_MAX_DEPTH: {
    schema: z.coerce.number().int().min(1).default(10),
    doc: 'Deepest selection the gateway accepts (deeper: 400 with a clear error).',
  },
  GATEWAY_MAX_COST: {
    schema: z.coerce.number().int().min(1).default(5000),
    doc: 'Highest estimated query cost the gateway accepts (graphql-armor cost limit).',
  },
  GATEWAY_MAX_SOCKETS_PER_IP: {
    schema: z.coerce.number().int().min(1).default(50),
    doc: 'Open WebSocket connections per client IP address (raise it behind NAT or for load tests).',
  },
  GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: {
    schema: z.coerce.number().int().min(1).default(100),
    doc: 'Subscriptions one WebSocket connection may hold at once.',
  },
  GATEWAY_SUBGRAPH_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(100).default(10_000),
    doc: 'How long the gateway waits for a subgraph before answering with an error.',
  },
  AUTH_PORT: { schema: port(8001), doc: 'Auth subgraph.' },
  TRADING_PORT: { schema: port(8002), doc: 'Trading subgraph.' },
  MARKET_DATA_PORT: { schema: port(8003), doc: 'Market-data subgraph.' },
  WALLET_PORT: { schema: port(8004), doc: 'Wallet subgraph.' },
  ENGINE_PORT: { schema: port(8005), doc: 'Matching engine health and metrics.' },
  ENGINE_MARKETS: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/, 'a comma-separated list of market symbols')
      .optional(),
    doc: 'Markets this engine process owns (comma-separated, e.g. `BTC-USDT,ETH-USDT`). Unset: every market. Split markets across engine processes to scale out.',
  },
  ENGINE_TARGET_COMMIT_MS: {
    schema: z.coerce.number().positive().default(50),
    doc: 'Settlement batches are sized to commit in about this long (at least 64 commands each): a burst of commands spreads over batches that commit one after another while the next one is matched.',
  },
  ENGINE_COMMAND_RETENTION_DAYS: {
    schema: z.coerce.number().int().min(1).default(7),
    doc: 'Processed engine commands (rows of the durable intake queue) are deleted this many days after they were accepted; orders, trades, fills and the ledger keep the history.',
  },
  AUTH_URL: {
    schema: optionalUrl,
    doc: 'Auth subgraph URL for the gateway (default: local port).',
  },
  TRADING_URL: { schema: optionalUrl, doc: 'Trading subgraph URL for the gateway.' },
  MARKET_DATA_URL: { schema: optionalUrl, doc: 'Market-data subgraph URL for the gateway.' },
  WALLET_URL: { schema: optionalUrl, doc: 'Wallet subgraph URL for the gateway.' },
  JWKS_URL: {
    schema: optionalUrl,
    doc: 'Where the gateway and subgraphs fetch the access-token public keys (default: the auth subgraph).',
  },
  JWT_PRIVATE_KEY: {
    schema: z.string().min(1).optional(),
    doc: 'Ed25519 private key (PKCS#8 PEM) signing access tokens. Required in production; in development one is generated under `FLOWEX_DATA_DIR/keys`.',
  },
  ACCESS_TOKEN_TTL_SECONDS: {
    schema: z.coerce.number().int().min(30).max(86_400).default(900),
    doc: 'Access-token lifetime.',
  },
  REFRESH_TOKEN_TTL_DAYS: {
    schema: z.coerce.number().int().min(1).max(365).default(30),
    doc: 'Session lifetime from sign-in; refreshing rotates the token but does not extend it.',
  },
  TOTP_ENCRYPTION_KEY: {
    schema: z.string().min(1).optional(),
    doc: 'Base64 32-byte key encrypting TOTP secrets at rest. Required in production; generated under `FLOWEX_DATA_DIR/keys` in development.',
  },
  DEPOSIT_ADDRESS_SECRET: {
    schema: z.string().min(16).optional(),
    doc: 'Server secret deriving deposit addresses. Required in production; generated in development.',
  },
  AUTH_REGISTRATIONS_PER_IP_HOUR: {
    schema: z.coerce.number().int().min(1).default(20),
    doc: 'Registrations per client IP address per hour (each costs an argon2 hash); `RATE_LIMITED` above it.',
  },
  ARGON2_MEMORY_KIB: {
    schema: z.coerce.number().int().min(19_456).default(19_456),
    doc: 'argon2id memory cost (KiB); OWASP minimum 19 MiB.',
  },
  ARGON2_TIME_COST: {
    schema: z.coerce.number().int().min(2).default(2),
    doc: 'argon2id iterations.',
  },
  ARGON2_PARALLELISM: {
    schema: z.coerce.number().int().min(1).default(1),
    doc: 'argon2id lanes.',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16).optional(),
    doc: 'When set, every service answers `/metrics` only with `Authorization: Bearer <token>` (Prometheus `authorization` credentials). Unset: open, as on an internal network.',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: optionalUrl,
    doc: "OpenTelemetry collector (OTLP over HTTP, e.g. `http://collector:4318`): every service then exports spans — the gateway's requests and subgraph calls, the subgraphs' requests, each engine command from arrival to answer with the settlement batch that committed it — joined into one trace per request by W3C `traceparent`. Unset: no spans; a client's `traceparent` is still passed along to the engine's command rows.",
  },
  OTEL_TRACES_SAMPLER_ARG: {
    schema: z.coerce.number().min(0).max(1).default(1),
    doc: 'Share of requests traced when the client sent no sampled `traceparent` (a sampled one is always followed).',
  },
  LOG_LEVEL: {
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    doc: 'pino log level for every service.',
  },
} as const;

type Variables = typeof variables;
type Raw = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export type Config = Omit<Raw, 'FLOWEX_SANDBOX'> & {
  sandbox: boolean;
  production: boolean;
  subgraphUrls: { auth: string; trading: string; marketData: string; wallet: string };
  jwksUrl: string;
  /** ENGINE_MARKETS as a list; undefined = every market. */
  engineMarkets: string[] | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const envSchema = z.object(
  Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.schema])) as {
    [K in keyof Variables]: Variables[K]['schema'];
  },
);

/** Validates `env`; a bad value fails with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(variables)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data as Raw;
  const production = raw.NODE_ENV === 'production';
  if (production && raw.FLOWEX_SANDBOX === true) {
    throw new ConfigError(
      'Invalid configuration:\n  FLOWEX_SANDBOX: sandbox mode is never allowed in production',
    );
  }
  const local = (p: number) => `http://127.0.0.1:${p}/graphql`;
  const { FLOWEX_SANDBOX, ...rest } = raw;
  if (production) {
    const missing = (['JWT_PRIVATE_KEY', 'TOTP_ENCRYPTION_KEY', 'DEPOSIT_ADDRESS_SECRET'] as const)
      .filter((k) => !raw[k])
      .map((k) => `  ${k}: required when NODE_ENV=production`);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
  return {
    ...rest,
    production,
    engineMarkets: raw.ENGINE_MARKETS?.split(',').map((m) => m.toUpperCase()),
    jwksUrl: raw.JWKS_URL ?? `http://127.0.0.1:${raw.AUTH_PORT}/.well-known/jwks.json`,
    sandbox: production ? false : (FLOWEX_SANDBOX ?? true),
    subgraphUrls: {
      auth: raw.AUTH_URL ?? local(raw.AUTH_PORT),
      trading: raw.TRADING_URL ?? local(raw.TRADING_PORT),
      marketData: raw.MARKET_DATA_URL ?? local(raw.MARKET_DATA_PORT),
      wallet: raw.WALLET_URL ?? local(raw.WALLET_PORT),
    },
  };
}

/** Markdown table of every variable, for README.md. */
export function configTable(): string {
  const rows = Object.entries(variables).map(([name, v]) => {
    const def = (v.schema as z.ZodType).safeParse(undefined);
    const shown = def.success && def.data !== undefined ? `\`${String(def.data)}\`` : '—';
    return `| \`${name}\` | ${shown} | ${v.doc} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
