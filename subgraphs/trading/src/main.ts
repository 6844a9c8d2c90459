// The trading subgraph: reference data (assets, markets) and their administration, the
// caller's orders and fills, and the write path to the matching engine (placeOrder,
// amendOrder, cancelOrder, cancelAllOrders; the myOrders subscription over graphql-ws).
import { type Bus, busFor } from '@flowex/bus';
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import type { IntakeTrace } from '@flowex/engine';
import {
  attachGraphQLWebSocket,
  clientIp,
  createLogger,
  createTokenVerifier,
  createTracing,
  identify,
  type RunningService,
  requestTraceparent,
  startSubgraph,
  type Tracing,
} from '@flowex/server';
import type { Context } from './context.ts';
import { resolvers } from './resolvers/index.ts';

/**
 * `bus`: the platform's shared bus (in-process mode). Without one (its own process) the
 * subgraph opens its own from REDIS_URL and closes it when it stops.
 */
export async function startTrading(config: Config, db: Db, bus?: Bus): Promise<RunningService> {
  const ownBus = bus ? undefined : busFor(config);
  const theBus = bus ?? ownBus!;
  const verifier = createTokenVerifier(config.jwksUrl);
  const tracing = createTracing('trading', config);
  const service = await startSubgraph<Context>({
    name: 'trading',
    tracing,
    schemaPath: new URL('../schema.graphql', import.meta.url),
    resolvers,
    port: config.TRADING_PORT,
    host: config.LISTEN_HOST,
    production: config.production,
    metricsToken: config.METRICS_TOKEN,
    logger: createLogger('trading', config.LOG_LEVEL),
    context: async (req) => ({
      db,
      bus: theBus,
      ip: clientIp(req),
      trace: intakeTrace(tracing, requestTraceparent(req)),
      markets: new Map(),
      ...(await identify(verifier, req)),
    }),
    ready: () => databaseReachable(db),
    attach: (server, schema) =>
      attachGraphQLWebSocket(
        server,
        schema,
        verifier,
        (caller): Context => ({
          db,
          bus: theBus,
          ip: null,
          trace: {},
          markets: new Map(),
          ...caller,
        }),
      ),
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await ownBus?.close();
    },
  };
}

/** What intake needs of a request's trace (nothing when it has none). */
function intakeTrace(tracing: Tracing, traceparent: string | undefined): IntakeTrace {
  if (!traceparent) return {};
  return tracing.enabled ? { traceparent, tracing } : { traceparent };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run a subgraph alone');
  const service = await startTrading(config, createDb(config.DATABASE_URL));
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
