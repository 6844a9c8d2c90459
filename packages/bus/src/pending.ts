// Requests awaiting their reply, by correlation id — the same bookkeeping for both buses.
// Each is settled once: by its reply, its timeout or the bus closing; a late reply finds
// nothing. The promise's own functions are kept (no closures per request: under tsx each
// named one also costs an esbuild `__name` call, ≈ 1 % of a subgraph's CPU).
import { BusTimeoutError } from './types.ts';

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export type Outcome = { result: unknown } | { error: Error };

export class PendingRequests {
  private readonly waiting = new Map<string, Waiter>();

  /** The reply to request `id` on `queue`, or a BusTimeoutError after `timeoutMs`. */
  wait<T>(id: string, queue: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, { error: new BusTimeoutError(queue, id, timeoutMs) }),
        timeoutMs,
      );
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
    });
  }

  settle(id: string, outcome: Outcome): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if ('error' in outcome) w.reject(outcome.error);
    else w.resolve(outcome.result);
  }

  /** Settles every request still waiting with `error` (the bus is closing). */
  failAll(error: Error): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, { error });
  }
}
