// Balance-change events for the `myBalances` subscription. Behind a tiny interface so
// the shared event bus can replace the in-process implementation without touching the
// rules that publish.
import { EventEmitter } from 'node:events';
import type { BalanceView } from './data/balances.ts';

export interface BalancePublisher {
  publish(balance: BalanceView): void;
  /** Every later change of `userId`'s balances, until the iterator is returned. */
  subscribe(userId: string): AsyncIterableIterator<BalanceView>;
}

export class InProcessBalancePublisher implements BalancePublisher {
  private emitter = new EventEmitter().setMaxListeners(0);

  publish(balance: BalanceView): void {
    this.emitter.emit(`balance:${balance.userId}`, balance);
  }

  subscribe(userId: string): AsyncIterableIterator<BalanceView> {
    const name = `balance:${userId}`;
    const queue: BalanceView[] = [];
    let wake: ((r: IteratorResult<BalanceView>) => void) | null = null;
    let done = false;
    const listener = (b: BalanceView) => {
      if (wake) {
        const w = wake;
        wake = null;
        w({ value: b, done: false });
      } else queue.push(b);
    };
    this.emitter.on(name, listener);
    const finish = (): Promise<IteratorResult<BalanceView>> => {
      done = true;
      this.emitter.off(name, listener);
      wake?.({ value: undefined, done: true });
      wake = null;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next() {
        const value = queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          wake = resolve;
        });
      },
      return: finish,
      throw: (error?: unknown) => finish().then(() => Promise.reject(error)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
