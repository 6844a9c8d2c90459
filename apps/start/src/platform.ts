// The whole platform on one database: migrate, seed, then every service — inside this
// process when REDIS_URL is unset, as supervised child processes when it is set. Used by
// `npm start` and by the cross-service tests, so both run exactly the same thing.
import { MemoryBus } from '@flowex/bus';
import type { Config } from '@flowex/config';
import { createDb, type Db, migrateDatabase, seedDatabase } from '@flowex/db';
import type { Logger, RunningService } from '@flowex/server';
import { SERVICE_NODE_ARGS, services } from './services.ts';
import { Supervisor } from './supervisor.ts';

export interface Platform {
  /** The gateway's GraphQL endpoint. */
  url: string;
  mode: 'in-process' | 'supervised';
  /** Present in supervised mode: the child processes. */
  supervisor?: Supervisor;
  stop(): Promise<void>;
}

export async function startPlatform(
  config: Config,
  databaseUrl: string,
  logger: Logger,
): Promise<Platform> {
  const applied = await migrateDatabase(databaseUrl);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = createDb(databaseUrl);
  await seedDatabase(db, {
    sandbox: config.sandbox,
    argon2: {
      memoryCost: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
    },
  });
  const host = config.LISTEN_HOST === '0.0.0.0' ? '127.0.0.1' : config.LISTEN_HOST;
  const url = `http://${host}:${config.GATEWAY_PORT}/graphql`;

  if (config.REDIS_URL) {
    await db.$disconnect();
    const supervisor = new Supervisor({ ...process.env, DATABASE_URL: databaseUrl }, logger);
    for (const service of services) {
      supervisor.start(service.name, service.entry, SERVICE_NODE_ARGS);
    }
    try {
      // Up means usable: the gateway's /ready answers once every subgraph (and Redis) is
      // reachable, the engine's once it owns and has recovered its markets.
      await Promise.all([
        waitForHealthy(url.replace(/\/graphql$/, '/ready'), 60_000),
        waitForHealthy(`http://${host}:${config.ENGINE_PORT}/ready`, 60_000),
      ]);
    } catch (error) {
      await supervisor.stopAll();
      throw error;
    }
    return { url, mode: 'supervised', supervisor, stop: () => supervisor.stopAll() };
  }
  return startInProcess(config, db, databaseUrl, logger);
}

async function startInProcess(
  config: Config,
  db: Db,
  databaseUrl: string,
  logger: Logger,
): Promise<Platform> {
  const running: RunningService[] = [];
  const bus = new MemoryBus();
  const stop = async () => {
    // The engine first: on Ctrl-C the embedded PostgreSQL gets the same SIGINT and closes
    // connections at once; a stopping engine takes that quietly. Then the rest, gateway first.
    const engine = running.filter((s) => s.name === 'engine');
    const others = running.filter((s) => s.name !== 'engine').reverse();
    for (const service of [...engine, ...others]) {
      await service
        .stop()
        .catch((err: unknown) => logger.error({ err }, `stopping ${service.name}`));
    }
    await bus.close();
    await db.$disconnect();
  };
  try {
    // Engine and subgraphs first; the gateway then gets the URLs they actually listen on
    // (port 0 in tests means "any free port").
    const subgraphUrls = { ...config.subgraphUrls };
    let { jwksUrl } = config;
    for (const service of services) {
      const started = await service.startInProcess(
        { ...config, subgraphUrls, jwksUrl },
        { db, bus, databaseUrl },
      );
      running.push(started);
      if (service.name === 'auth') {
        subgraphUrls.auth = started.url;
        jwksUrl = started.url.replace(/\/graphql$/, '/.well-known/jwks.json');
      }
      if (service.name === 'trading') subgraphUrls.trading = started.url;
      if (service.name === 'market-data') subgraphUrls.marketData = started.url;
      if (service.name === 'wallet') subgraphUrls.wallet = started.url;
    }
    const gateway = running.at(-1)!;
    return { url: gateway.url, mode: 'in-process', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForHealthy(healthUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(healthUrl).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${healthUrl} did not answer within ${timeoutMs / 1000}s`);
}
