// The gateway's state: the supergraph it serves, the prepared-operation cache and one HTTP
// client per subgraph. A new supergraph (hot reload) swaps all three at once.
import type { Logger, Span, Tracing } from '@flowex/server';
import { type ExecutionResult, executePlan } from './execute.ts';
import { SubgraphClient } from './fetcher.ts';
import type { GatewayMetrics } from './metrics.ts';
import { OperationCache, type PreparedOperation } from './operations.ts';
import { type Limits, validationRules } from './protection.ts';
import { buildGatewaySchema, type GatewaySchema } from './supergraph.ts';

export interface CoreOptions {
  sdl: string;
  /** Subgraph name → URL, overriding the URLs recorded in the supergraph. */
  subgraphUrls?: Record<string, string>;
  limits: Limits;
  production: boolean;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Spans of the calls to subgraphs (children of the request's span). */
  tracing: Tracing;
}

export class GatewayCore {
  schema!: GatewaySchema;
  cache!: OperationCache;
  clients!: Map<string, SubgraphClient>;
  private readonly rules;

  get tracing(): Tracing {
    return this.options.tracing;
  }

  constructor(private readonly options: CoreOptions) {
    this.rules = validationRules(options.limits, options.production);
    this.load(options.sdl);
  }

  private load(sdl: string) {
    const schema = buildGatewaySchema(sdl);
    const clients = new Map<string, SubgraphClient>();
    for (const { name, url } of schema.subgraphs) {
      clients.set(
        name,
        new SubgraphClient({
          name,
          url: this.options.subgraphUrls?.[name] ?? url,
          timeoutMs: this.options.limits.subgraphTimeoutMs,
          breaker: {
            failureThreshold: this.options.limits.breakerFailureThreshold,
            resetMs: this.options.limits.breakerResetMs,
          },
          metrics: this.options.metrics,
        }),
      );
    }
    const previous = this.clients;
    this.schema = schema;
    this.clients = clients;
    this.cache = new OperationCache(
      schema,
      this.rules,
      {
        maxTokens: this.options.limits.maxTokens,
        size: this.options.limits.operationCacheSize,
        production: this.options.production,
      },
      this.options.metrics,
    );
    // In-flight requests keep the old clients; close them once those are done.
    if (previous) setTimeout(() => previous.forEach((c) => void c.close()), 30_000).unref();
  }

  /** Hot reload: a bad supergraph is logged and the current one kept. */
  update(sdl: string) {
    try {
      this.load(sdl);
      this.options.logger.info('supergraph reloaded');
    } catch (err) {
      this.options.logger.error({ err }, 'new supergraph rejected; keeping the current one');
    }
  }

  execute(
    prepared: PreparedOperation,
    variables: Record<string, unknown>,
    authorization: string | undefined,
    clientIp?: string,
    trace?: Span | string,
  ): Promise<ExecutionResult> {
    const node = prepared.plan.node;
    if (node?.kind === 'Subscription') throw new Error('subscriptions run over graphql-ws');
    return executePlan(
      {
        api: this.schema.api,
        supergraphSchema: this.schema.supergraphSchema,
        clients: this.clients,
        operation: prepared.operation,
        variableDefinitions: prepared.variableDefinitions,
        variables,
        authorization,
        ...(clientIp ? { clientIp } : {}),
        tracing: this.options.tracing,
        trace,
        errors: [],
      },
      node,
    );
  }

  async subgraphsReady(): Promise<Record<string, boolean>> {
    const entries = await Promise.all(
      [...this.clients].map(async ([name, client]) => [name, await client.ready()] as const),
    );
    return Object.fromEntries(entries);
  }

  async close() {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
