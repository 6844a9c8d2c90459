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
          Balance: '../data/balances.ts#BalanceView',
          Transaction: '../data/transactions.ts#TransactionRow',
          DepositAddress: '../data/addresses.ts#DepositAddressRow',
        },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
