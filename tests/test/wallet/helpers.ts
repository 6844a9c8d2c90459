// Subgraph tests call the subgraph directly; the shared plumbing is in @flowex/server/testing.
export * from '@flowex/server/testing';
