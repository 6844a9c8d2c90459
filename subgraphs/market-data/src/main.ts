// The market-data subgraph: committed trades, tickers and candles from PostgreSQL, the
// exact order book from its engine-fed replica, and the live subscriptions over graphql-ws.
import { type Bus, busFor } from '@flowex/bus';
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import {
  attachGraphQLWebSocket,
  createLogger,
  createTokenVerifier,
  createTracing,
  type RunningService,
  startSubgraph,
} from '@flowex/server';
import type { Context } from './context.ts';
import { engineBookSource } from './data/book.ts';
import { BookReplicas } from './domain/book.ts';
import { resolvers } from './resolvers/index.ts';

/**
 * `bus`: the platform's (embedded mode shares its in-process bus with the engine); unset,
 * the subgraph creates its own from REDIS_URL.
 */
export async function startMarketData(config: Config, db: Db, bus?: Bus): Promise<RunningService> {
  const logger = createLogger('market-data', config.LOG_LEVEL);
  const ownBus = bus ? undefined : busFor(config);
  const shared = (bus ?? ownBus) as Bus;
  const books = new BookReplicas(engineBookSource(shared), (error) =>
    logger.warn({ err: error }, 'order book replica out of sync'),
  );
  const context: Context = { db, bus: shared, books };
  const verifier = createTokenVerifier(config.jwksUrl);
  const service = await startSubgraph<Context>({
    name: 'market-data',
    tracing: createTracing('market-data', config),
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.MARKET_DATA_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    metricsToken: config.METRICS_TOKEN,
    logger,
    context: async () => context,
    ready: () => databaseReachable(db),
    // Public data: the caller's identity is accepted but not needed.
    attach: (server, schema) => attachGraphQLWebSocket(server, schema, verifier, () => context),
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await books.close();
      await ownBus?.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startMarketData(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
