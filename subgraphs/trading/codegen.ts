import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/__generated__/resolvers.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        useIndexSignature: true,
        contextType: '../context.ts#Context',
        scalars: {
          Decimal: { input: 'string', output: "string | import('@flowex/db').Prisma.Decimal" },
          DateTime: 'Date',
        },
        mappers: {
          Asset: '../data/reference.ts#AssetRow',
          Market: '../data/reference.ts#MarketRow',
          Order: '../data/orders.ts#OrderRow',
          Fill: '../data/orders.ts#FillRow',
          Position: '../domain/positions.ts#PositionView',
          User: '../data/orders.ts#UserRef',
        },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
