// The matching-engine process: `startEngine` for tests and the embedded platform; run
// directly (`tsx engine/src/main.ts`) it reads the configuration and runs on its own.
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { type Bus, busFor } from '@flowex/bus';
import { type Config, loadConfig } from '@flowex/config';
import { createDb, type Db, databaseReachable } from '@flowex/db';
import {
  close,
  createLogger,
  createTracing,
  type Logger,
  listen,
  type PeriodicOptions,
  serveMetrics,
} from '@flowex/server';
import { EngineService } from './service/index.ts';

export interface StartEngineOptions {
  /** Markets to own (default: config ENGINE_MARKETS, else all). */
  markets?: string[];
  /** Ownership-lock connection URL (default config.DATABASE_URL; unset = no locking). */
  databaseUrl?: string;
  port?: number;
  logger?: Logger;
  lockPollMs?: number;
  sweepMs?: number;
  maxBatch?: number;
  /** Settlement batches are sized to commit in about this long (default: config). */
  targetCommitMs?: number;
  /** When the purge of processed commands runs (default hourly; retention from config). */
  commandPurge?: PeriodicOptions;
}

export interface RunningEngine {
  name: string;
  url: string;
  server: Server;
  service: EngineService;
  stop(): Promise<void>;
}

export async function startEngine(
  config: Config,
  db: Db,
  bus: Bus,
  options: StartEngineOptions = {},
): Promise<RunningEngine> {
  const logger = options.logger ?? createLogger('engine', config.LOG_LEVEL);
  const databaseUrl = options.databaseUrl ?? config.DATABASE_URL;
  const service = new EngineService({
    db,
    bus,
    logger,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...((options.markets ?? config.engineMarkets)
      ? { markets: options.markets ?? config.engineMarkets }
      : {}),
    ...(options.lockPollMs ? { lockPollMs: options.lockPollMs } : {}),
    ...(options.sweepMs ? { sweepMs: options.sweepMs } : {}),
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    targetCommitMs: options.targetCommitMs ?? config.ENGINE_TARGET_COMMIT_MS,
    tracing: createTracing('engine', config),
    commandPurge: {
      retentionMs: config.ENGINE_COMMAND_RETENTION_DAYS * 86_400_000,
      ...options.commandPurge,
    },
  });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/health') return json(200, { status: 'ok' });
    if (path === '/ready') {
      const markets = service.status();
      databaseReachable(db)
        .catch(() => false)
        .then((dbOk) => {
          // Ready: the database answers and every market it owns has recovered (a standby
          // with no market is ready too: it is doing its job).
          const ok = dbOk && markets.every((m) => !m.owned || m.ready);
          json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', markets });
        });
      return;
    }
    if (path === '/metrics') {
      serveMetrics(req, res, service.metrics.registry, config.METRICS_TOKEN).catch(() =>
        json(500, { error: 'metrics failed' }),
      );
      return;
    }
    json(404, { error: 'not found' });
  });
  const host = config.LISTEN_HOST;
  const port = await listen(server, options.port ?? config.ENGINE_PORT, host);
  await service.start();
  const url = `http://${host}:${port}`;
  logger.info({ url, markets: service.status().map((m) => m.market) }, 'engine listening');
  return {
    name: 'engine',
    url,
    server,
    service,
    async stop() {
      await service.stop();
      await close(server);
    },
  };
}

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to run the engine alone');
  const db = createDb(config.DATABASE_URL);
  const bus = busFor(config);
  const engine = await startEngine(config, db, bus);
  const shutdown = async () => {
    await engine.stop();
    await bus.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
