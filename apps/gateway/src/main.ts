// The one public endpoint: wires config, the federated gateway and the HTTP front.
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { type Config, loadConfig } from '@flowex/config';
import {
  close,
  createGraphQLHttpServer,
  createLogger,
  listen,
  type RunningService,
} from '@flowex/server';
import { staticSupergraph } from './supergraph.ts';

// The gateway never calls home.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

export async function startGateway(config: Config): Promise<RunningService> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const urls: Record<string, string> = {
    auth: config.subgraphUrls.auth,
    trading: config.subgraphUrls.trading,
    'market-data': config.subgraphUrls.marketData,
    wallet: config.subgraphUrls.wallet,
  };
  const gateway = new ApolloGateway({
    supergraphSdl: staticSupergraph({ hotReload: !config.production }),
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url: urls[name] ?? url }),
    logger,
  });
  const apollo = new ApolloServer({
    gateway,
    introspection: !config.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.production,
    logger,
    plugins: [
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();
  const server = createGraphQLHttpServer({ apollo, context: async () => ({}) });
  const port = await listen(server, config.GATEWAY_PORT, config.LISTEN_HOST);
  const url = `http://${config.LISTEN_HOST === '0.0.0.0' ? 'localhost' : config.LISTEN_HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    name: 'gateway',
    url,
    server,
    async stop() {
      await close(server);
      await apollo.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = await startGateway(loadConfig());
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
}
