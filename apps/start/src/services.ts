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
