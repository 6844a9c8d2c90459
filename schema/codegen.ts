// The one GraphQL Code Generator setup for every subgraph: typed resolvers from the
// subgraph's schema.graphql into src/__generated__/resolvers.ts. A subgraph's codegen.ts
// names only its mappers (GraphQL type → the domain/data type its resolvers receive).
import type { CodegenConfig } from '@graphql-codegen/cli';

export function subgraphCodegen(mappers: Record<string, string>): CodegenConfig {
  return {
    schema: 'schema.graphql',
    generates: {
      'src/__generated__/resolvers.ts': {
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useTypeImports: true,
          useIndexSignature: true,
          contextType: '../context.ts#Context',
          // Decimal arrives as a canonical string; resolvers may return Prisma decimals,
          // which the scalar serialises exactly.
          scalars: {
            Decimal: { input: 'string', output: "string | import('@flowex/db').Prisma.Decimal" },
            DateTime: 'Date',
          },
          mappers,
          enumsAsTypes: true,
        },
      },
    },
  };
}
