// Federated subscriptions. The query planner turns a subscription into a SubscriptionNode:
// `primary` (the subscription on the owning subgraph) and `rest` (entity fetches for fields
// other subgraphs own). The primary runs over graphql-ws (shared by UpstreamPool); every
// event runs `rest` through the ordinary plan executor once per distinct client operation,
// and the serialized result goes to every client of that operation.
import type { SubscriptionNode } from '@apollo/query-planner';
import { noTracing } from '@flowex/server';
import { executePlan } from '../execute.ts';
import type { GatewayCore } from '../gateway.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { PreparedOperation } from '../operations.ts';
import { type ClientError, maskError } from '../protection.ts';
import type { UpstreamPool } from './upstream.ts';

export interface ClientSink {
  /** `payload` is the serialized ExecutionResult of one event. */
  next(payload: string): void;
  error(errors: ClientError[]): void;
  complete(): void;
}

interface SharedExecution {
  sinks: Set<ClientSink>;
  release: () => void;
}

/**
 * Subscription fields whose stream starts with a snapshot for each subscriber (then
 * deltas against it): a client joining a shared stream would miss its snapshot, so each
 * subscriber gets its own upstream.
 */
const SNAPSHOT_FIRST_FIELDS = new Set(['orderBook']);

function rootField(prepared: PreparedOperation): string | undefined {
  for (const definition of prepared.document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    const first = definition.selectionSet.selections[0];
    if (first?.kind === 'Field') return first.name.value;
  }
  return undefined;
}

export class SubscriptionExecutor {
  private readonly executions = new Map<string, SharedExecution>();
  private unshared = 0;

  constructor(
    private readonly core: GatewayCore,
    private readonly upstream: UpstreamPool,
    private readonly metrics: GatewayMetrics,
    private readonly production: boolean,
  ) {}

  /** Distinct executed client operations (for tests and metrics). */
  get sharedExecutions(): number {
    return this.executions.size;
  }

  subscribe(
    prepared: PreparedOperation,
    variables: Record<string, unknown>,
    authorization: string | undefined,
    sink: ClientSink,
  ): () => void {
    const node = prepared.plan.node as SubscriptionNode;
    const shared = !SNAPSHOT_FIRST_FIELDS.has(rootField(prepared) ?? '');
    const key = `${authorization ?? ''}\0${prepared.name}\0${JSON.stringify(variables)}\0${node.primary.operation}\0${
      prepared.document.loc?.source.body ?? ''
    }${shared ? '' : `\0${++this.unshared}`}`;
    let execution = this.executions.get(key);
    if (!execution) execution = this.start(key, prepared, node, variables, authorization, shared);
    const current = execution;
    current.sinks.add(sink);
    this.metrics.activeSubscriptions.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.metrics.activeSubscriptions.dec();
      current.sinks.delete(sink);
      if (current.sinks.size === 0 && this.executions.get(key) === current) {
        this.executions.delete(key);
        current.release();
      }
    };
  }

  private start(
    key: string,
    prepared: PreparedOperation,
    node: SubscriptionNode,
    variables: Record<string, unknown>,
    authorization: string | undefined,
    shared: boolean,
  ): SharedExecution {
    const sinks = new Set<ClientSink>();
    const primaryVariables: Record<string, unknown> = {};
    for (const name of node.primary.variableUsages ?? []) {
      if (variables[name] !== undefined) primaryVariables[name] = variables[name];
    }
    // Events are executed one after the other so every client sees them in order.
    let queue: Promise<void> = Promise.resolve();
    const finish = (fn: (sink: ClientSink) => void) => {
      if (this.executions.get(key) === execution) this.executions.delete(key);
      for (const sink of [...sinks]) fn(sink);
      sinks.clear();
    };
    const execution: SharedExecution = { sinks, release: () => {} };
    this.executions.set(key, execution);
    execution.release = this.upstream.subscribe(
      node.primary.serviceName,
      authorization,
      node.primary.operation,
      primaryVariables,
      shared,
      {
        next: (event) => {
          queue = queue.then(async () => {
            if (!sinks.size) return;
            const payload = await this.runEvent(prepared, node, variables, authorization, event);
            for (const sink of sinks) sink.next(payload);
          });
        },
        error: (errors) => {
          queue = queue.then(() => {
            const masked = errors.map((e) => maskError(e, this.production));
            finish((sink) => sink.error(masked));
          });
        },
        complete: () => {
          queue = queue.then(() => finish((sink) => sink.complete()));
        },
      },
    );
    return execution;
  }

  private async runEvent(
    prepared: PreparedOperation,
    node: SubscriptionNode,
    variables: Record<string, unknown>,
    authorization: string | undefined,
    event: { data?: Record<string, unknown> | null; errors?: ClientError[] },
  ): Promise<string> {
    const errors: ClientError[] = (event.errors ?? []).map((e) => ({
      ...e,
      extensions: { ...e.extensions, serviceName: node.primary.serviceName },
    }));
    if (!event.data) return JSON.stringify({ errors, data: null });
    const core = this.core;
    const result = await executePlan(
      {
        api: core.schema.api,
        supergraphSchema: core.schema.supergraphSchema,
        clients: core.clients,
        operation: prepared.operation,
        variableDefinitions: prepared.variableDefinitions,
        variables,
        authorization,
        // An event's follow-up fetches belong to no client request: not traced.
        tracing: noTracing,
        trace: undefined,
        errors,
      },
      node.rest,
      event.data,
    );
    if (result.errors) {
      return JSON.stringify({
        errors: result.errors.map((e) => maskError(e, this.production)),
        data: result.data,
      });
    }
    return `{"data":${JSON.stringify(result.data)}}`;
  }
}
