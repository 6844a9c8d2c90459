// The auth subgraph: accounts, sessions, two-factor, and the JWKS that every other
// service verifies access tokens against (GET /.well-known/jwks.json on this port).
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import {
  clientIp,
  createLogger,
  createTokenVerifier,
  createTracing,
  identify,
  type RunningService,
  startSubgraph,
} from '@flowex/server';
import { Redis } from 'ioredis';
import { createLocalJWKSet } from 'jose';
import type { Context } from './context.ts';
import { type AuthOptions, createAuthServices } from './domain/services.ts';
import { startSessionPurge } from './domain/session-purge.ts';

import { resolvers } from './resolvers/index.ts';

export type { AuthOptions } from './domain/services.ts';

export const JWKS_PATH = '/.well-known/jwks.json';

export async function startAuth(
  config: Config,
  db: Db,
  options: AuthOptions = {},
): Promise<RunningService> {
  const logger = createLogger('auth', config.LOG_LEVEL);
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 })
    : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  const services = await createAuthServices(config, db, redis, options);
  // This service holds the key: it verifies with it directly, not over HTTP.
  const verifier = createTokenVerifier(createLocalJWKSet(services.keys.jwks));
  const jwksBody = JSON.stringify(services.keys.jwks);
  const service = await startSubgraph<Context>({
    name: 'auth',
    tracing: createTracing('auth', config),
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.AUTH_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    metricsToken: config.METRICS_TOKEN,
    logger,
    context: async (req) => ({
      db,
      ...(await identify(verifier, req)),
      ip: clientIp(req),
      userAgent: req.headers['user-agent'] ?? null,
      services,
    }),
    ready: () => databaseReachable(db),
    routes: {
      [JWKS_PATH]: (_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'public, max-age=300',
        });
        res.end(jwksBody);
      },
    },
  });
  const stopPurge = startSessionPurge(db, logger, options.sessionPurge);
  return {
    ...service,
    async stop() {
      await stopPurge();
      await service.stop();
      await services.twoFactor.close();
      redis?.disconnect();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startAuth(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
