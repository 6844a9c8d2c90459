// The trading subgraph: reference data (assets, markets) and their administration.
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import {
  clientIp,
  createLogger,
  createTokenVerifier,
  identify,
  type RunningService,
  startSubgraph,
} from '@flowex/server';
import type { Context } from './context.ts';
import { resolvers } from './resolvers/index.ts';

export async function startTrading(config: Config, db: Db): Promise<RunningService> {
  const verifier = createTokenVerifier(config.jwksUrl);
  return startSubgraph<Context>({
    name: 'trading',
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.TRADING_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    logger: createLogger('trading', config.LOG_LEVEL),
    context: async (req) => ({
      db,
      ip: clientIp(req),
      markets: new Map(),
      ...(await identify(verifier, req)),
    }),
    ready: () => databaseReachable(db),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startTrading(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
