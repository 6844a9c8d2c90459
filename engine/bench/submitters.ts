// bench:settlement's submitters: the three ways it feeds the engine, each returning every
// order's latency in ms. With the Redis bus they run in a thread of their own
// (submitter-worker.ts), as the trading subgraph is a process of its own: the engine's thread
// then does only the engine's work. With the in-process bus they share the engine's thread.
import { type Bus, engineQueue } from '@flowex/bus';
import type { Db } from '@flowex/db';
import type { CommandReply, EngineCommandMessage } from '../src/intake/protocol.ts';
import { submitOrder } from '../src/intake/submit.ts';

export interface Timed {
  latencies: Float64Array;
  seconds: number;
  timedOut?: number;
}

/**
 * A command without an answer, named in the message (the one thing of an error that crosses
 * from the submitters' thread intact) so the bench can say what became of it.
 */
function commandFailed(commandId: string, cause: unknown): Error {
  return new Error(
    `command ${commandId}: ${cause instanceof Error ? cause.message : String(cause)}`,
  );
}

/** The command a `commandFailed` error names, if it is one. */
export function failedCommandId(error: unknown): string | undefined {
  return /^command (\d+):/.exec(error instanceof Error ? error.message : '')?.[1];
}

/** `window` commands in flight, each to its market's engine; each latency from its own send. */
export async function closedLoop(
  bus: Bus,
  messages: EngineCommandMessage[],
  window: number,
): Promise<Timed> {
  const latencies = new Float64Array(messages.length);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < messages.length) {
      const i = next++;
      const sent = performance.now();
      const message = messages[i]!;
      await bus
        .request<CommandReply>(engineQueue(message.marketSymbol), message, { timeoutMs: 60_000 })
        .catch((error: unknown) => {
          throw commandFailed(message.commandId, error);
        });
      latencies[i] = performance.now() - sent;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/**
 * The commands offered open-loop at `rate` per second, each to its market's engine (or all to
 * `queue`), whatever the replies do; each latency counts from the moment its command was due,
 * so a stall of this loop is not hidden.
 */
export async function offered(
  bus: Bus,
  queue: string | undefined,
  rate: number,
  commands: EngineCommandMessage[],
): Promise<Timed> {
  const latencies = new Float64Array(commands.length);
  const replies: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (sent < commands.length) {
    const due = Math.min(
      commands.length,
      Math.floor(((performance.now() - started) * rate) / 1000) + 1,
    );
    for (; sent < due; sent++) {
      const i = sent;
      const dueAt = started + (i * 1000) / rate;
      replies.push(
        bus
          .request<CommandReply>(queue ?? engineQueue(commands[i]!.marketSymbol), commands[i]!, {
            timeoutMs: 60_000,
          })
          .then(() => {
            latencies[i] = performance.now() - dueAt;
          }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(replies);
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Every order through `submitOrder` (durable intake, then the bus), `window` in flight. */
export async function throughIntake(
  db: Db,
  bus: Bus,
  market: string,
  users: { id: string }[],
  count: number,
  window: number,
): Promise<Timed> {
  const latencies = new Float64Array(count);
  let next = 0;
  let timedOut = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const u = users[i % users.length]!;
      const side = Math.random() < 0.5 ? ('BUY' as const) : ('SELL' as const);
      const sent = performance.now();
      const result = await submitOrder(db, bus, {
        userId: u.id,
        marketSymbol: market,
        side,
        price: (30_000 + Math.floor(Math.random() * 41) - 20).toFixed(2),
        quantity: (0.001 * (1 + Math.floor(Math.random() * 10))).toFixed(3),
        timeoutMs: 60_000,
      });
      if (result.timedOut) timedOut++;
      latencies[i] = performance.now() - sent;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { latencies, seconds: (performance.now() - started) / 1000, timedOut };
}
