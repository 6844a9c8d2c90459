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
        scalars: { Decimal: 'string', DateTime: 'Date' },
        mappers: {
          User: '../data/users.ts#UserRow',
          AuthPayload: '../domain/auth.ts#AuthPayloadResult',
        },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
