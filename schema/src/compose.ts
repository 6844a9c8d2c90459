// Composes the subgraphs' schema.graphql files into schema/supergraph.graphql (what the
// gateway serves) and schema/api.graphql (what clients see). `--check` fails when
// composition fails or the committed files are stale; CI runs it through `npm run build`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(schemaDir, '..');

/** Subgraph name → the URL the composed supergraph records (overridden by config at run time). */
export const subgraphs = [
  { name: 'auth', port: 8001 },
  { name: 'trading', port: 8002 },
  { name: 'market-data', port: 8003 },
  { name: 'wallet', port: 8004 },
] as const;

export function compose(): { supergraph: string; api: string } {
  const result = composeServices(
    subgraphs.map(({ name, port }) => ({
      name,
      url: `http://127.0.0.1:${port}/graphql`,
      typeDefs: parse(readFileSync(join(repoRoot, 'subgraphs', name, 'schema.graphql'), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`,
    );
  }
  return {
    supergraph: `${result.supergraphSdl.trim()}\n`,
    api: `${printSchema(result.schema.toAPISchema().toGraphQLJSSchema()).trim()}\n`,
  };
}

export const supergraphPath = join(schemaDir, 'supergraph.graphql');
export const apiPath = join(schemaDir, 'api.graphql');

if (import.meta.url === `file://${process.argv[1]}`) {
  const { supergraph, api } = compose();
  if (process.argv.includes('--check')) {
    const stale = [
      [supergraphPath, supergraph],
      [apiPath, api],
    ].filter(([path, text]) => readFileSafe(path as string) !== text);
    if (stale.length) {
      console.error(
        `stale: ${stale.map(([p]) => p).join(', ')} — run \`npm run compose\` and commit the result`,
      );
      process.exit(1);
    }
    console.log('supergraph and API schema are up to date');
  } else {
    writeFileSync(supergraphPath, supergraph);
    writeFileSync(apiPath, api);
    console.log(`wrote ${supergraphPath} and ${apiPath}`);
  }
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
