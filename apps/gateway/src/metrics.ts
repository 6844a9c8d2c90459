// Prometheus metrics of one gateway instance (its own registry, so several gateways in one
// process — tests — never collide). Label children are resolved once per prepared operation.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface OperationMetrics {
  requests: Counter.Internal;
  duration: Histogram.Internal<'operation' | 'type'>;
  errors: Counter.Internal;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'flowex_gateway_requests_total',
    help: 'GraphQL operations handled, per operation name and type.',
    labelNames: ['operation', 'type'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'flowex_gateway_request_duration_seconds',
    help: 'Time to answer a GraphQL operation.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'flowex_gateway_request_errors_total',
    help: 'GraphQL operations answered with at least one error.',
    labelNames: ['operation', 'type'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'flowex_gateway_rejected_requests_total',
    help: 'Requests refused before execution, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly subgraphDuration = new Histogram({
    name: 'flowex_gateway_subgraph_fetch_duration_seconds',
    help: 'Latency of fetches to each subgraph.',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly openSockets = new Gauge({
    name: 'flowex_gateway_open_websockets',
    help: 'Open graphql-ws connections.',
    registers: [this.registry],
  });
  readonly activeSubscriptions = new Gauge({
    name: 'flowex_gateway_active_subscriptions',
    help: 'Client subscriptions in progress.',
    registers: [this.registry],
  });
  readonly upstreamSubscriptions = new Gauge({
    name: 'flowex_gateway_upstream_subscriptions',
    help: 'Subscriptions open on subgraphs (shared between identical client subscriptions).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'flowex_gateway_' });
  }

  forOperation(operation: string, type: string): OperationMetrics {
    return {
      requests: this.requests.labels(operation, type),
      duration: this.duration.labels(operation, type),
      errors: this.errors.labels(operation, type),
    };
  }
}
