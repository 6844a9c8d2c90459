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
  startInProcess(config: Config, shared: Shared): Promise<RunningService>;
}

/**
 * Node flags of every service's own process: 32 MB young-generation semi-spaces (V8's
 * default is 16 MB). The engine keeps a whole batch's orders, views and rows alive until its
 * commit, and with the default most of them survived two scavenges and were promoted, then
 * collected by full mark-compacts: `npm run bench:settlement` went from 2,310 – 2,450 to
 * 2,964 – 3,085 orders/s. The subgraphs and the gateway keep each request's objects alive
 * across its round trips: `npm run bench:platform` gained ≈ 6 % (one market 674 → 713,
 * four 556 → 592 orders/s, averages of four alternating pairs). The image's entry point
 * (infra/Dockerfile) and `npm start` itself (the embedded mode's one process) pass the same flag.
 */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=32'];

const entry = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export const services: ServiceDefinition[] = [
  {
    // First: it rebuilds the books and resumes intake before anyone can place an order.
    name: 'engine',
    entry: entry('../../../engine/src/main.ts'),
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
