// Prometheus metrics. Every service serves /metrics; with METRICS_TOKEN set, only to
// `Authorization: Bearer <token>` (the gateway's port is public). A subgraph's registry holds
// the process's own figures (CPU, memory, event-loop lag, GC) and every GraphQL operation's
// duration by root field and outcome — root fields, not client-chosen operation names, so the
// number of series stays bounded by the schema.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** True when no token is configured or the request carries it (compared in constant time). */
export function metricsAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  return timingSafeEqual(digest(given), digest(token));
}

/** Answers /metrics from `registry`: 401 without the token, the exposition text otherwise. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  token: string | undefined,
): Promise<void> {
  if (!metricsAuthorized(req, token)) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
    res.end('{"error":"unauthorized"}');
    return;
  }
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(body);
}

export interface SubgraphMetrics {
  registry: Registry;
  /** Apollo Server plugin timing every operation. */
  plugin: ApolloServerPlugin;
}

export function createSubgraphMetrics(service: string): SubgraphMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'flowex_subgraph_operation_seconds',
    help: 'GraphQL operations served, by first root field and outcome',
    labelNames: ['field', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          const first = ctx.operation?.selectionSet.selections[0];
          const field = first?.kind === 'Field' ? first.name.value : 'invalid';
          const body = ctx.response.body;
          const failed =
            (ctx.errors?.length ?? 0) > 0 ||
            (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
          duration.observe(
            { field, outcome: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
  return { registry, plugin };
}
