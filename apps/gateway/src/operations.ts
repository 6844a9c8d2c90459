// Parse, validate (graphql-armor limits included) and plan once per distinct operation;
// every later request with the same text reuses the result.
import { type Operation, operationFromDocument } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import type {
  DocumentNode,
  GraphQLError as GraphQLErrorType,
  OperationDefinitionNode,
  ValidationRule,
  VariableDefinitionNode,
} from 'graphql';
import { graphql } from './graphql.ts';
import type { GatewayMetrics, OperationMetrics } from './metrics.ts';
import { blockFieldSuggestions, type ClientError } from './protection.ts';
import type { GatewaySchema } from './supergraph.ts';

const { GraphQLError, getVariableValues, Kind, parse, validate } = graphql;

export interface PreparedOperation {
  kind: 'query' | 'mutation' | 'subscription';
  /** Metrics label: the operation name, or "anonymous". */
  name: string;
  document: DocumentNode;
  definition: OperationDefinitionNode;
  operation: Operation;
  plan: QueryPlan;
  variableDefinitions: readonly VariableDefinitionNode[];
  metrics: OperationMetrics;
}

export interface InvalidOperation {
  kind: 'invalid';
  errors: ClientError[];
  metrics: OperationMetrics;
}

export type Prepared = PreparedOperation | InvalidOperation;

export class OperationCache {
  private readonly entries = new Map<string, Prepared>();
  private readonly invalidMetrics: OperationMetrics;

  constructor(
    private readonly schema: GatewaySchema,
    private readonly rules: readonly ValidationRule[],
    private readonly options: { maxTokens: number; size: number; production: boolean },
    private readonly metrics: GatewayMetrics,
  ) {
    this.invalidMetrics = metrics.forOperation('invalid', 'invalid');
  }

  get(query: string, operationName: string | undefined): Prepared {
    const key = operationName ? `${operationName}\n${query}` : query;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.prepare(query, operationName);
      if (this.entries.size >= this.options.size) {
        this.entries.delete(this.entries.keys().next().value!);
      }
      this.entries.set(key, entry);
    }
    return entry;
  }

  private invalid(errors: readonly GraphQLErrorType[], code: string): InvalidOperation {
    return {
      kind: 'invalid',
      metrics: this.invalidMetrics,
      errors: errors.map((e) => ({
        message: this.options.production ? blockFieldSuggestions(e.message) : e.message,
        ...(e.locations ? { locations: e.locations } : {}),
        extensions: { ...e.extensions, code: (e.extensions?.code as string) ?? code },
      })),
    };
  }

  private prepare(query: string, operationName: string | undefined): Prepared {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.options.maxTokens });
    } catch (error) {
      return this.invalid([error as GraphQLErrorType], 'GRAPHQL_PARSE_FAILED');
    }
    const validationErrors = validate(this.schema.api, document, this.rules);
    if (validationErrors.length) return this.invalid(validationErrors, 'GRAPHQL_VALIDATION_FAILED');
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const definition = operationName
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    if (!definition) {
      const message = operationName
        ? `Unknown operation named "${operationName}".`
        : 'Must provide operation name if query contains multiple operations.';
      return this.invalid([new GraphQLError(message)], 'OPERATION_RESOLUTION_FAILURE');
    }
    try {
      const operation = operationFromDocument(this.schema.apiSchema, document, {
        operationName: definition.name?.value,
        validate: false,
      });
      const plan = this.schema.planner.buildQueryPlan(operation);
      const name = definition.name?.value ?? 'anonymous';
      return {
        kind: definition.operation as PreparedOperation['kind'],
        name,
        document,
        definition,
        operation,
        plan,
        variableDefinitions: definition.variableDefinitions ?? [],
        metrics: this.metrics.forOperation(name, definition.operation),
      };
    } catch (error) {
      return this.invalid(
        [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message)],
        'GRAPHQL_VALIDATION_FAILED',
      );
    }
  }
}

/** Coerces request variables against the operation's definitions (defaults included). */
export function coerceVariables(
  schema: GatewaySchema,
  prepared: PreparedOperation,
  raw: unknown,
): { variables: Record<string, unknown> } | { errors: ClientError[] } {
  if (!prepared.variableDefinitions.length) return { variables: {} };
  const input = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const result = getVariableValues(schema.api, prepared.variableDefinitions, input, {
    maxErrors: 20,
  });
  if (result.errors) {
    return {
      errors: result.errors.map((e) => ({
        message: e.message,
        extensions: { code: 'BAD_USER_INPUT' },
      })),
    };
  }
  return { variables: result.coerced };
}

/** A request span's name: `graphql <operation name>`, or its kind when it has no name. */
export function spanName(prepared: { name: string; kind: string }): string {
  return `graphql ${prepared.name === 'anonymous' ? prepared.kind : prepared.name}`;
}
