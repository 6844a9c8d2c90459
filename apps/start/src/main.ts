// `npm start`: the whole platform on one machine. Without DATABASE_URL an embedded
// PostgreSQL; migrations and seed; then every service — inside this process over the
// in-process bus when REDIS_URL is unset, as supervised child processes when it is set.
import { type Config, ConfigError, loadConfig } from '@flowex/config';
import { createDb, migrateDatabase, seedDatabase } from '@flowex/db';
import { createLogger, type RunningService } from '@flowex/server';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';
import { services } from './services.ts';
import { Supervisor } from './supervisor.ts';

const startedAt = performance.now();
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger('start', config.LOG_LEVEL);

let embedded: EmbeddedDatabase | undefined;
const running: RunningService[] = [];
let supervisor: Supervisor | undefined;
let stopping = false;

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  logger.info('stopping');
  for (const service of [...running].reverse()) await service.stop().catch(() => {});
  await supervisor?.stopAll();
  await embedded?.stop().catch((err: unknown) => logger.error({ err }, 'stopping PostgreSQL'));
  process.exit(exitCode);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.FLOWEX_DATA_DIR,
      port: config.EMBEDDED_PG_PORT,
      logger,
    });
  }
  const databaseUrl = config.DATABASE_URL ?? embedded!.url;
  const applied = await migrateDatabase(databaseUrl);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = createDb(databaseUrl);
  await seedDatabase(db, { sandbox: config.sandbox });

  if (config.REDIS_URL) {
    supervisor = new Supervisor({ ...process.env, DATABASE_URL: databaseUrl }, logger);
    for (const service of services) supervisor.start(service.name, service.entry);
  } else {
    for (const service of services) running.push(await service.startInProcess(config, db));
  }

  const url = `http://${config.LISTEN_HOST === '0.0.0.0' ? 'localhost' : config.LISTEN_HOST}:${config.GATEWAY_PORT}/graphql`;
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const mode = config.REDIS_URL ? 'supervised processes over Redis' : 'one process, in-process bus';
  console.log(
    `\nFlowEx is up in ${seconds}s (${mode}${embedded ? ', embedded PostgreSQL' : ''}).\n` +
      `  GraphQL endpoint: ${url}${config.production ? '' : '  (Apollo Sandbox in a browser)'}\n` +
      (config.sandbox
        ? '  Sandbox accounts: demo@flowex.com / demo123, admin@flowex.com / admin123\n'
        : '') +
      '  Ctrl-C stops everything.\n',
  );
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  await stop(1);
}
