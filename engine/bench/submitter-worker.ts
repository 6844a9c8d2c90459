// bench:settlement's submitters in a thread of their own, on their own Redis connections (and,
// for the intake phase, their own database pool), as the trading subgraph's process has.
import { parentPort, workerData } from 'node:worker_threads';
import { RedisBus } from '@flowex/bus';
import { createDb } from '@flowex/db';
import type { EngineCommandMessage } from '../src/intake/protocol.ts';
import { closedLoop, offered, throughIntake } from './submitters.ts';

export type Job =
  | { kind: 'closed'; messages: EngineCommandMessage[]; window: number }
  | { kind: 'offered'; messages: EngineCommandMessage[]; rate: number; queue?: string }
  | { kind: 'intake'; users: { id: string }[]; count: number; window: number }
  | { kind: 'stop' };

export interface WorkerOptions {
  redisUrl: string;
  streamPrefix: string;
  databaseUrl: string;
  market: string;
}

const options = workerData as WorkerOptions;
const port = parentPort!;
const bus = new RedisBus(options.redisUrl, { streamPrefix: options.streamPrefix });
const db = createDb(options.databaseUrl, { poolSize: 16 });

port.on('message', async (job: Job) => {
  if (job.kind === 'stop') {
    await bus.close();
    await db.$disconnect();
    port.close();
    return;
  }
  const result =
    job.kind === 'closed'
      ? await closedLoop(bus, job.messages, job.window)
      : job.kind === 'offered'
        ? await offered(bus, job.queue, job.rate, job.messages)
        : await throughIntake(db, bus, options.market, job.users, job.count, job.window);
  port.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
});
