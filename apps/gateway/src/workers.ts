// Optional: several gateway processes on one port (node:cluster; the primary hands each new
// connection to a worker). Each worker runs the whole gateway — its own plan cache, pools and
// shared upstream subscriptions — so a 10,000-socket fan-out is written by several threads.
import cluster from 'node:cluster';
import { createServer } from 'node:net';

/** A free port on `host`, for workers that must all listen on the same one. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * In the primary: forks `count` workers of this same script and resolves once all of them
 * listen on `port`. In a worker: runs `start(port)` and reports back. Returns which one ran.
 */
export async function runWorkers(
  count: number,
  port: number,
  start: (port: number) => Promise<unknown>,
): Promise<'primary' | 'worker'> {
  if (cluster.isPrimary) {
    cluster.schedulingPolicy = cluster.SCHED_RR;
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = cluster.fork({ FLOWEX_GATEWAY_WORKER_PORT: String(port) });
            worker.once('message', (m) =>
              m === 'ready' ? resolve() : reject(new Error(String(m))),
            );
            worker.once('exit', (code) => reject(new Error(`gateway worker exited with ${code}`)));
          }),
      ),
    );
    return 'primary';
  }
  await start(Number(process.env.FLOWEX_GATEWAY_WORKER_PORT ?? port));
  process.send?.('ready');
  return 'worker';
}
