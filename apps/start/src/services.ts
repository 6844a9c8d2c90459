// The platform's long-running services in start order, and how to run each of them in
// this process (embedded mode) or as its own process (REDIS_URL set).
import { fileURLToPath } from 'node:url';
import type { Bus } from '@flowex/bus';
import type { Config } from '@flowex/config';
import type { Db } from '@flowex/db';
import type { RunningService } from '@flowex/server';

/** What an in-process service gets: the shared database client and in-process bus. */
export interface Shared {
  db: Db;
  bus: Bus;
  databaseUrl: string;
}

export interface ServiceDefinition {
  name: string;
  /** Entry file that starts the service when run as its own process. */
  entry: string;
  /** Node flags of its own process (see ENGINE_NODE_ARGS). */
  nodeArgs?: string[];
  startInProcess(config: Config, shared: Shared): Promise<RunningService>;
}

/**
 * The engine keeps a whole batch's orders, views and rows alive until its commit: with
 * V8's default young generation (16 MB semi-spaces) most of them survived two scavenges and
 * were promoted, then collected by full mark-compacts. 32 MB semi-spaces let them die young:
 * `npm run bench:settlement` went from 2,310 – 2,450 to 2,964 – 3,085 orders/s (alternating
 * runs, same machine). Kubernetes passes the same flag (infra/k8s/services.yaml).
 */
export const ENGINE_NODE_ARGS = ['--max-semi-space-size=32'];

const entry = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export const services: ServiceDefinition[] = [
  {
    // First: it rebuilds the books and resumes intake before anyone can place an order.
    name: 'engine',
    entry: entry('../../../engine/src/main.ts'),
    nodeArgs: ENGINE_NODE_ARGS,
    startInProcess: async (config, { db, bus, databaseUrl }) =>
      (await import('@flowex/engine')).startEngine(config, db, bus, { databaseUrl }),
  },
  {
    name: 'auth',
    entry: entry('../../../subgraphs/auth/src/main.ts'),
    startInProcess: async (config, { db }) =>
      (await import('@flowex/subgraph-auth/main')).startAuth(config, db),
  },
  {
    name: 'trading',
    entry: entry('../../../subgraphs/trading/src/main.ts'),
    startInProcess: async (config, { db, bus }) =>
      (await import('@flowex/subgraph-trading/main')).startTrading(config, db, bus),
  },
  {
    name: 'market-data',
    entry: entry('../../../subgraphs/market-data/src/main.ts'),
    startInProcess: async (config, { db, bus }) =>
      (await import('@flowex/subgraph-market-data/main')).startMarketData(config, db, bus),
  },
  {
    name: 'wallet',
    entry: entry('../../../subgraphs/wallet/src/main.ts'),
    startInProcess: async (config, { db, bus }) =>
      (await import('@flowex/subgraph-wallet/main')).startWallet(config, db, { bus }),
  },
  {
    name: 'gateway',
    entry: entry('../../gateway/src/main.ts'),
    startInProcess: async (config) => (await import('@flowex/gateway/main')).startGateway(config),
  },
];
