// The wallet subgraph: balances, the ledger, deposits and withdrawals.
import { type Bus, busFor } from '@flowex/bus';
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import {
  attachGraphQLWebSocket,
  createLogger,
  createTokenVerifier,
  createTracing,
  identify,
  type RunningService,
  startSubgraph,
} from '@flowex/server';
import { Redis } from 'ioredis';
import type { Context } from './context.ts';
import { createWalletServices, type WalletOptions } from './domain/services.ts';
import { BusBalancePublisher } from './publisher.ts';
import { resolvers } from './resolvers/index.ts';

export type { BalanceView } from './data/balances.ts';
export type { WalletOptions } from './domain/services.ts';
export { type BalancePublisher, BusBalancePublisher } from './publisher.ts';

export async function startWallet(
  config: Config,
  db: Db,
  options: WalletOptions = {},
): Promise<RunningService> {
  const logger = createLogger('wallet', config.LOG_LEVEL);
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 })
    : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  // The platform's bus when given; alone, our own (Redis with REDIS_URL, else in-process).
  let ownBus: Bus | undefined;
  let publisher = options.publisher;
  if (!publisher) {
    if (!options.bus) ownBus = busFor(config);
    const bus = options.bus ?? (ownBus as Bus);
    publisher = new BusBalancePublisher(bus, (error) =>
      logger.warn({ err: error }, 'balance event not published'),
    );
  }
  const services = createWalletServices(config, db, publisher, redis, options);
  const verifier = createTokenVerifier(config.jwksUrl);
  const service = await startSubgraph<Context>({
    name: 'wallet',
    tracing: createTracing('wallet', config),
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.WALLET_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    metricsToken: config.METRICS_TOKEN,
    logger,
    context: async (req) => ({ db, ...(await identify(verifier, req)), services }),
    ready: () => databaseReachable(db),
    attach: (server, schema) =>
      attachGraphQLWebSocket(
        server,
        schema,
        verifier,
        (caller): Context => ({ db, services, ...caller }),
      ),
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      redis?.disconnect();
      await ownBus?.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startWallet(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
