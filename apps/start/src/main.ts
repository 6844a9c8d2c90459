// `npm start`: the whole platform on one machine. Without DATABASE_URL an embedded
// PostgreSQL whose data lives under FLOWEX_DATA_DIR; then everything startPlatform starts.
import { type Config, ConfigError, loadConfig } from '@flowex/config';
import { createLogger } from '@flowex/server';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';
import { type Platform, startPlatform } from './platform.ts';

const startedAt = performance.now();
// Readable logs for a person at a terminal; JSON lines otherwise (and in production).
if (process.stdout.isTTY && process.env.NODE_ENV !== 'production')
  process.env.LOG_FORMAT ??= 'pretty';
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = createLogger('start', config.LOG_LEVEL);

let embedded: EmbeddedDatabase | undefined;
let platform: Platform | undefined;
let stopping = false;

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  logger.info('stopping');
  await platform?.stop().catch((err: unknown) => logger.error({ err }, 'stopping services'));
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
  platform = await startPlatform(config, config.DATABASE_URL ?? embedded!.url, logger);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const mode =
    platform.mode === 'supervised'
      ? 'each service its own supervised process, over Redis'
      : 'one process, in-process bus';
  console.log(
    `\nFlowEx is up in ${seconds}s (${mode}${embedded ? ', embedded PostgreSQL' : ''}).\n` +
      `  GraphQL endpoint: ${platform.url}${config.production ? '' : '  (Apollo Sandbox in a browser)'}\n` +
      (config.sandbox
        ? '  Sandbox accounts: demo@flowex.com / demo123, admin@flowex.com / admin123\n'
        : '') +
      '  Ctrl-C stops everything.\n',
  );
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  await stop(1);
}
