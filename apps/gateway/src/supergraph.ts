// The gateway serves the committed, statically composed supergraph (no introspection of
// subgraphs at start). In development a change to the file is picked up without a restart.
import { readFileSync, watch } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Schema, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';

export const supergraphPath = fileURLToPath(
  new URL('../../../schema/supergraph.graphql', import.meta.url),
);

/** Everything derived once from a supergraph SDL. */
export interface GatewaySchema {
  sdl: string;
  supergraph: Supergraph;
  /** federation-internals API schema (what the planner and result shaping use). */
  apiSchema: Schema;
  /** graphql-js API schema (validation, variable coercion, introspection). */
  api: GraphQLSchema;
  /** graphql-js supergraph schema (type conditions of entity representations). */
  supergraphSchema: GraphQLSchema;
  planner: QueryPlanner;
  subgraphs: readonly { name: string; url: string }[];
}

export function buildGatewaySchema(sdl: string): GatewaySchema {
  const supergraph = Supergraph.build(sdl);
  const apiSchema = supergraph.apiSchema();
  return {
    sdl,
    supergraph,
    apiSchema,
    api: apiSchema.toGraphQLJSSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    planner: new QueryPlanner(supergraph),
    subgraphs: supergraph.subgraphsMetadata(),
  };
}

export function readSupergraph(path = supergraphPath): string {
  return readFileSync(path, 'utf8');
}

/** Calls `onChange` with the new SDL whenever the file changes; returns the stop function. */
export function watchSupergraph(path: string, onChange: (sdl: string) => void): () => void {
  let last = readSupergraph(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(path, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      let next: string;
      try {
        next = readSupergraph(path);
      } catch {
        return;
      }
      if (next !== last && next.trim()) {
        last = next;
        onChange(next);
      }
    }, 50);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
