// Every FlowEx subgraph starts the same way: its schema.graphql plus resolvers become a
// federation subgraph behind the shared HTTP front.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type GraphQLSchema, parse } from 'graphql';
import { close, createGraphQLHttpServer, type HttpOptions, listen } from './http.ts';
import type { Logger } from './logger.ts';
import { createSubgraphMetrics, serveMetrics } from './metrics.ts';
import { locateRootRefusals } from './refusals.ts';
import type { Tracing } from './tracing.ts';

export interface SubgraphOptions<TContext extends BaseContext> {
  name: string;
  schemaPath: string | URL;
  resolvers: unknown;
  port: number;
  host: string;
  production: boolean;
  logger: Logger;
  context: Parameters<typeof createGraphQLHttpServer<TContext>>[0]['context'];
  ready?: () => Promise<boolean>;
  /** Extra plain-HTTP routes served next to /graphql. */
  routes?: HttpOptions<TContext>['routes'];
  /** METRICS_TOKEN: when set, /metrics answers only requests bearing it. */
  metricsToken?: string | undefined;
  /** Spans of its GraphQL requests (`createTracing`); stopped with the service. */
  tracing?: Tracing;
  /** Called with the built schema and HTTP server before listening (WebSocket transports). */
  attach?: (server: Server, schema: GraphQLSchema) => (() => Promise<void>) | undefined;
}

export interface RunningService {
  name: string;
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export async function startSubgraph<TContext extends BaseContext>(
  options: SubgraphOptions<TContext>,
): Promise<RunningService> {
  const typeDefs = parse(readFileSync(options.schemaPath, 'utf8'));
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: locateRootRefusals(options.resolvers) as never,
  });
  const metrics = createSubgraphMetrics(options.name);
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: !options.production,
    logger: options.logger,
    // Traces go to our own metrics, not into every response to the gateway. No cache hints:
    // nothing reads them, and computing them wrapped every field resolver (≈ 1 % of the
    // trading subgraph's CPU under bench:platform).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      metrics.plugin,
    ],
  });
  await apollo.start();
  const server = createGraphQLHttpServer({
    apollo,
    context: options.context,
    ...(options.ready ? { ready: options.ready } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    routes: {
      ...options.routes,
      '/metrics': (req, res) => serveMetrics(req, res, metrics.registry, options.metricsToken),
    },
  });
  const detach = options.attach?.(server, schema);
  const port = await listen(server, options.port, options.host);
  const url = `http://${options.host}:${port}/graphql`;
  options.logger.info({ url }, `${options.name} subgraph listening`);
  return {
    name: options.name,
    url,
    server,
    async stop() {
      await detach?.();
      await close(server);
      await apollo.stop();
      await options.tracing?.shutdown();
    },
  };
}
