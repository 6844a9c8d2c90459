import { connect } from 'node:net';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails at once, saying what to do, when Redis is not there (instead of a test timing out). */
export async function requireRedis(url = TEST_REDIS_URL): Promise<void> {
  const { hostname, port } = new URL(url);
  const answered = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
  if (!answered) {
    throw new Error(
      `Redis is not reachable at ${url}. Start it with \`docker compose -f infra/docker-compose.yml up -d\`, ` +
        'or point TEST_REDIS_URL at a running server.',
    );
  }
}
