import type { Resolvers } from '../__generated__/resolvers.ts';

// The wallet's part of the graph (balances, transactions, deposits, withdrawals) arrives
// with its own issue; until then the subgraph only takes part in composition.
export const resolvers: Resolvers = {};
