// The one public endpoint: wires config, the supergraph, the HTTP front, graphql-ws
// subscriptions, identity and protections. Behaviour lives in the modules it wires.
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { type Config, loadConfig } from '@flowex/config';
import {
  close,
  createLogger,
  createTokenVerifier,
  createTracing,
  listen,
  type RunningService,
  type TokenVerifier,
} from '@flowex/server';
import { Redis } from 'ioredis';
import { GatewayCore } from './gateway.ts';
import { createGatewayHttpServer } from './http.ts';
import { GatewayMetrics } from './metrics.ts';
import { fixedLimits, type Limits, RateLimits } from './protection.ts';
import { SubscriptionExecutor } from './subscriptions/executor.ts';
import { attachSubscriptionServer } from './subscriptions/server.ts';
import { UpstreamPool } from './subscriptions/upstream.ts';
import { readSupergraph, supergraphPath, watchSupergraph } from './supergraph.ts';

// The gateway never calls home.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

export interface GatewayOptions {
  /** Serve this supergraph instead of schema/supergraph.graphql (no hot reload). */
  supergraphSdl?: string;
  /** Subgraph name → URL; defaults to config.subgraphUrls, then the supergraph's URLs. */
  subgraphUrls?: Record<string, string>;
  /** Token verifier; defaults to the JWKS at config.jwksUrl. */
  verifier?: TokenVerifier;
  limits?: Partial<Limits>;
  /** Port to listen on (0 = any); defaults to config.GATEWAY_PORT. */
  port?: number;
}

export interface RunningGateway extends RunningService {
  metrics: GatewayMetrics;
  core: GatewayCore;
  subscriptions: SubscriptionExecutor;
  upstream: UpstreamPool;
}

export async function startGateway(
  config: Config,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const limits: Limits = {
    ...fixedLimits,
    ratePerIp: config.GATEWAY_RATE_PER_IP,
    ratePerUser: config.GATEWAY_RATE_PER_USER,
    maxDepth: config.GATEWAY_MAX_DEPTH,
    maxCost: config.GATEWAY_MAX_COST,
    maxSocketsPerIp: config.GATEWAY_MAX_SOCKETS_PER_IP,
    maxSubscriptionsPerSocket: config.GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET,
    subgraphTimeoutMs: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    ...options.limits,
  };
  const metrics = new GatewayMetrics();
  const subgraphUrls = options.subgraphUrls ?? {
    auth: config.subgraphUrls.auth,
    trading: config.subgraphUrls.trading,
    'market-data': config.subgraphUrls.marketData,
    wallet: config.subgraphUrls.wallet,
  };
  const core = new GatewayCore({
    sdl: options.supergraphSdl ?? readSupergraph(),
    subgraphUrls,
    limits,
    production: config.production,
    metrics,
    logger,
    tracing: createTracing('gateway', config),
  });
  const stopWatching =
    !options.supergraphSdl && !config.production
      ? watchSupergraph(supergraphPath, (sdl) => core.update(sdl))
      : undefined;

  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
      })
    : undefined;
  redis?.on('error', (err) => logger.warn({ err }, 'redis'));
  // Count in Redis from the first request (until it is up, limits are per process).
  if (redis) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const verifier = options.verifier ?? createTokenVerifier(config.jwksUrl);
  const rateLimits = new RateLimits(limits, redis, config.REDIS_NAMESPACE);

  const landing = config.production
    ? undefined
    : await (async () => {
        const plugin = ApolloServerPluginLandingPageLocalDefault({ embed: true });
        const listener = await plugin.serverWillStart?.({} as never);
        const page = await listener?.renderLandingPage?.();
        const html = page?.html;
        return typeof html === 'function' ? html : async () => html ?? '';
      })();

  const server = createGatewayHttpServer({
    core,
    verifier,
    rateLimits,
    limits,
    production: config.production,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    logger,
    ...(landing ? { landingPage: landing } : {}),
    ready: async () => {
      const checks: Record<string, boolean> = { ...(await core.subgraphsReady()) };
      if (redis)
        checks.redis = await redis.ping().then(
          (r) => r === 'PONG',
          () => false,
        );
      return { ok: Object.values(checks).every(Boolean), checks };
    },
  });

  const upstream = new UpstreamPool(
    (name) => subgraphUrls[name] ?? core.schema.subgraphs.find((s) => s.name === name)?.url,
    metrics,
  );
  const subscriptions = new SubscriptionExecutor(core, upstream, metrics, config.production);
  const ws = attachSubscriptionServer(server, {
    core,
    executor: subscriptions,
    verifier,
    rateLimits,
    limits,
    production: config.production,
    metrics,
    logger,
  });

  const port = await listen(server, options.port ?? config.GATEWAY_PORT, config.LISTEN_HOST);
  const url = `http://${config.LISTEN_HOST === '0.0.0.0' ? 'localhost' : config.LISTEN_HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    name: 'gateway',
    url,
    server,
    metrics,
    core,
    subscriptions,
    upstream,
    async stop() {
      stopWatching?.();
      ws.close();
      await close(server);
      await upstream.close();
      await core.close();
      await core.tracing.shutdown();
      redis?.disconnect();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = await startGateway(loadConfig());
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
