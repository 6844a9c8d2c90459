// The gateway serves the committed, statically composed supergraph (no introspection of
// subgraphs at start). In development a change to the file is picked up without a restart.
import { readFileSync, watch } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SupergraphSdlHook } from '@apollo/gateway';

export const supergraphPath = fileURLToPath(
  new URL('../../../schema/supergraph.graphql', import.meta.url),
);

export function staticSupergraph(options: { hotReload: boolean }): SupergraphSdlHook {
  return async ({ update }) => {
    const supergraphSdl = readFileSync(supergraphPath, 'utf8');
    if (!options.hotReload) return { supergraphSdl };
    let last = supergraphSdl;
    const watcher = watch(supergraphPath, () => {
      const next = readFileSync(supergraphPath, 'utf8');
      if (next !== last && next.trim()) {
        last = next;
        update(next);
      }
    });
    return { supergraphSdl, cleanup: async () => watcher.close() };
  };
}
