import { subgraphCodegen } from '@flowex/schema/codegen';

export default subgraphCodegen({
  Balance: '../data/balances.ts#BalanceView',
  Transaction: '../data/transactions.ts#TransactionRow',
  DepositAddress: '../data/addresses.ts#DepositAddressRow',
});
