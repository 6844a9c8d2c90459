// The market-data subgraph.
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import { createLogger, type RunningService, startSubgraph } from '@flowex/server';
import type { Context } from './context.ts';
import { resolvers } from './resolvers/index.ts';

export async function startMarketData(config: Config, db: Db): Promise<RunningService> {
  return startSubgraph<Context>({
    name: 'market-data',
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.MARKET_DATA_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    logger: createLogger('market-data', config.LOG_LEVEL),
    context: async () => ({ db }),
    ready: () => databaseReachable(db),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startMarketData(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
