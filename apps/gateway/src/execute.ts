// Query-plan execution. Prepared operations carry their parsed federation operation and
// query plan, so a request only fetches from subgraphs (pre-serialized request bodies over
// keep-alive pools), merges entities and shapes the response.
import { createHash } from 'node:crypto';
import type { Operation } from '@apollo/federation-internals';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import {
  failed,
  type Span,
  SpanKind,
  type Tracing,
  traceparentOf,
  withoutStack,
} from '@flowex/server';
import type { DocumentNode, GraphQLSchema, SelectionNode, VariableDefinitionNode } from 'graphql';
import type { SubgraphClient, SubgraphResponse } from './fetcher.ts';
import { graphql } from './graphql.ts';
import type { ClientError } from './protection.ts';

const { executeSync, Kind, OperationTypeNode, visit } = graphql;

type Data = Record<string, unknown>;

export interface PlanContext {
  api: GraphQLSchema;
  supergraphSchema: GraphQLSchema;
  clients: ReadonlyMap<string, SubgraphClient>;
  operation: Operation;
  variableDefinitions: readonly VariableDefinitionNode[];
  variables: Record<string, unknown>;
  authorization: string | undefined;
  /** The client's address, forwarded to subgraphs (HTTP requests only). */
  clientIp?: string;
  tracing: Tracing;
  /** The request's span, or (tracing off) the `traceparent` it came with, passed along. */
  trace: Span | string | undefined;
  errors: ClientError[];
}

export interface ExecutionResult {
  data?: Data | null;
  errors?: ClientError[];
}

/** Runs `node` over `data` (empty for a query; a subscription event's data otherwise). */
export async function executePlan(
  context: PlanContext,
  node: PlanNode | undefined,
  data: Data = Object.create(null),
): Promise<ExecutionResult> {
  if (node) await executeNode(context, node, [data], []);
  return shape(context, data);
}

type IntrospectionHandling = Parameters<typeof computeResponse>[0]['introspectionHandling'];

/**
 * How the shaping answers introspection fields, made by a function rather than written inline:
 * under tsx an arrow in a property position also costs an esbuild `__name` call per request
 * (≈ 1.3 % of the gateway's CPU under bench:platform); a returned one has no name to keep.
 */
function introspectionFor(context: PlanContext): IntrospectionHandling {
  return (field) =>
    introspect(
      context.api,
      field.expandFragments().toSelectionNode(),
      context.variableDefinitions,
      context.variables,
    );
}

export function shape(context: PlanContext, data: Data): ExecutionResult {
  let shaped: Data | null | undefined;
  // computeResponse also builds GraphQLErrors (a refused non-null field comes back null), which
  // this gateway does not use: the subgraph's own error is already in context.errors. Without
  // a stack to capture they cost nothing (capturing one was ≈ 2 % of the gateway's CPU in
  // bench:platform, where a third of the cancels are refused).
  try {
    const result = withoutStack(() =>
      computeResponse({
        operation: context.operation,
        variables: context.variables,
        input: data,
        introspectionHandling: introspectionFor(context),
      }),
    );
    shaped = result.data;
  } catch (error) {
    context.errors.push({ message: (error as Error).message });
    shaped = null;
  }
  return context.errors.length ? { errors: context.errors, data: shaped } : { data: shaped };
}

async function executeNode(
  context: PlanContext,
  node: PlanNode,
  values: unknown[],
  path: (string | number)[],
): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(context, child, values, path);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(context, child, values, path)));
      return;
    case 'Flatten': {
      const inner: unknown[] = [];
      for (const value of values) flattenAt(value, node.path, 0, inner);
      if (inner.length) await executeNode(context, node.node, inner, path.concat(node.path));
      return;
    }
    case 'Fetch':
      try {
        await executeFetch(context, node, values, path);
      } catch (error) {
        const e = error as Error & { code?: string; subgraph?: string };
        context.errors.push({
          message: e.message,
          extensions: { code: e.code ?? 'INTERNAL_SERVER_ERROR', serviceName: node.serviceName },
        });
      }
      return;
    case 'Condition': {
      const branch = evaluateCondition(
        node,
        context.operation.variableDefinitions,
        context.variables,
      )
        ? node.ifClause
        : node.elseClause;
      if (branch) await executeNode(context, branch, values, path);
      return;
    }
    case 'Defer':
      throw new Error('@defer is not supported by the gateway');
  }
}

function flattenAt(value: unknown, path: (string | number)[], at: number, out: unknown[]) {
  if (value === null || value === undefined) return;
  if (at === path.length) {
    out.push(value);
    return;
  }
  const key = path[at]!;
  if (key === '@') {
    if (Array.isArray(value)) for (const element of value) flattenAt(element, path, at + 1, out);
    return;
  }
  flattenAt((value as Data)[key as string], path, at + 1, out);
}

/**
 * A fetch's request bodies up to its variables. Subgraph calls use automatic persisted
 * queries: once a subgraph has seen an operation (sent in full with its hash), later calls
 * send only the hash, so the subgraph neither receives nor hashes the text again: Apollo
 * Server computes a SHA-256 of every query it is sent (reaching `crypto` through
 * `module.require`, which tsx's hooks make dear); without it the trading subgraph spent 2 – 8 %
 * less CPU per request under bench:platform.
 */
interface FetchBodies {
  /** The operation with its hash: registers it in the subgraph's persisted-query cache. */
  full: string;
  /** The hash alone. */
  hashed: string;
  /** Whether the subgraph already has it (false again if it says it lost it). */
  registered: boolean;
}

const fetchBodies = new WeakMap<FetchNode, FetchBodies>();

function bodiesOf(fetch: FetchNode): FetchBodies {
  let bodies = fetchBodies.get(fetch);
  if (!bodies) {
    const hash = createHash('sha256').update(fetch.operation).digest('hex');
    const persisted = `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"${hash}"}}`;
    const name = fetch.operationName
      ? `,"operationName":${JSON.stringify(fetch.operationName)}`
      : '';
    bodies = {
      full: `{"query":${JSON.stringify(fetch.operation)},${persisted}${name},"variables":`,
      hashed: `{${persisted}${name},"variables":`,
      registered: false,
    };
    fetchBodies.set(fetch, bodies);
  }
  return bodies;
}

/** The subgraph's answer to a hash it does not have (it executed nothing). */
function notPersisted(response: SubgraphResponse): boolean {
  return response.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND';
}

async function executeFetch(
  context: PlanContext,
  fetch: FetchNode,
  values: unknown[],
  path: (string | number)[],
): Promise<void> {
  const client = context.clients.get(fetch.serviceName);
  if (!client) throw new Error(`No subgraph named "${fetch.serviceName}"`);
  const entities = values.filter((v) => v !== null && v !== undefined) as Data[];
  if (!entities.length) return;
  const variables: Data = {};
  if (fetch.variableUsages) {
    for (const name of fetch.variableUsages) {
      const value = context.variables[name];
      if (value !== undefined) variables[name] = value;
    }
  }
  if (!fetch.requires) {
    const received = await send(context, client, fetch, variables, path);
    if (!received) return;
    applyRewrites(context.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }
  const representations: Data[] = [];
  const targets: Data[] = [];
  for (const entity of entities) {
    const representation = selectRepresentation(context.supergraphSchema, entity, fetch.requires);
    if (representation?.__typename) {
      applyRewrites(context.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      targets.push(entity);
    }
  }
  if (!representations.length) return;
  variables.representations = representations;
  const received = await send(context, client, fetch, variables, path);
  if (!received) return;
  const got = received._entities;
  if (!Array.isArray(got) || got.length !== representations.length) {
    throw new Error(`Subgraph "${fetch.serviceName}" answered a wrong number of entities`);
  }
  for (let i = 0; i < got.length; i++) {
    const entity = got[i] as Data | null;
    const target = targets[i]!;
    if (entity && !entity.__typename) entity.__typename = target.__typename;
    applyRewrites(context.supergraphSchema, fetch.outputRewrites, entity as Data);
    deepMerge(target, entity);
  }
}

async function send(
  context: PlanContext,
  client: SubgraphClient,
  fetch: FetchNode,
  variables: Data,
  path: (string | number)[],
): Promise<Data | null | undefined> {
  const bodies = bodiesOf(fetch);
  const json = `${JSON.stringify(variables)}}`;
  const span = context.tracing.start(`subgraph ${client.name}`, context.trace, {
    kind: SpanKind.CLIENT,
  });
  const caller = {
    authorization: context.authorization,
    clientIp: context.clientIp,
    traceparent: span ? traceparentOf(span) : (context.trace as string | undefined),
  };
  let response: SubgraphResponse | undefined;
  try {
    if (bodies.registered) response = await client.send(bodies.hashed + json, caller);
    // First time, or a restarted subgraph whose cache is empty: the operation in full.
    if (!response || notPersisted(response)) {
      response = await client.send(bodies.full + json, caller);
      bodies.registered = true;
    }
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span?.end();
  }
  if (response.errors) {
    for (const error of response.errors) {
      const errorPath =
        error.path && error.path[0] === '_entities'
          ? [...path.filter((p) => p !== '@'), ...error.path.slice(2)]
          : error.path;
      context.errors.push({
        message: error.message ?? `Error from subgraph "${fetch.serviceName}"`,
        ...(errorPath ? { path: errorPath } : {}),
        extensions: { ...error.extensions, serviceName: fetch.serviceName },
      });
    }
  }
  return response.data;
}

function selectRepresentation(
  schema: GraphQLSchema,
  source: Data | null,
  selections: readonly QueryPlanSelectionNode[],
): Data | null {
  if (source === null) return null;
  const result: Data = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const name = selection.alias ?? selection.name;
      const value = source[name];
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value)) {
        result[name] = value.map((v) => (sub ? selectRepresentation(schema, v as Data, sub) : v));
      } else if (sub) {
        result[name] = selectRepresentation(schema, value as Data, sub);
      } else {
        result[name] = value;
      }
    } else if (selection.typeCondition && isObjectOfType(schema, source, selection.typeCondition)) {
      deepMerge(result, selectRepresentation(schema, source, selection.selections));
    }
  }
  return result;
}

// ---------------------------------------------------------------- introspection

function introspect(
  schema: GraphQLSchema,
  selection: SelectionNode,
  variableDefinitions: readonly VariableDefinitionNode[],
  variables: Record<string, unknown>,
): unknown {
  const used = new Set<string>();
  visit(selection, {
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: variableDefinitions.filter((d) => used.has(d.variable.name.value)),
        selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
      },
    ],
  };
  const { data, errors } = executeSync({
    schema,
    document,
    rootValue: {},
    variableValues: variables,
  });
  if (errors?.length) throw errors[0];
  const key = selection.kind === Kind.FIELD ? (selection.alias ?? selection.name).value : '';
  return (data as Data | null)?.[key];
}
