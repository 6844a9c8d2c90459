import { execute } from '../src/core/api.ts';
import { MatchingEngine } from '../src/core/engine.ts';
import type { EngineEvent } from '../src/core/events.ts';
import type { Command, EngineConfig, PlaceOrder } from '../src/core/types.ts';

export class Harness {
  readonly engine: MatchingEngine;
  constructor(config: EngineConfig = {}) {
    this.engine = new MatchingEngine(config);
  }
  run(cmd: Command): EngineEvent[] {
    return execute(this.engine, cmd);
  }
  place(o: Omit<PlaceOrder, 'userId'> & { userId?: number }): EngineEvent[] {
    return this.run({ kind: 'place', userId: 1, ...o });
  }
  /** GTC limit shorthand. */
  limit(orderId: number, side: 'BUY' | 'SELL', price: number, quantity: number, userId = 1) {
    return this.place({ orderId, side, price, quantity, userId });
  }
  cancel(orderId: number, userId?: number) {
    return this.run(
      userId === undefined ? { kind: 'cancel', orderId } : { kind: 'cancel', orderId, userId },
    );
  }
}

/** Strip seq for compact expectations (seq gap-freeness is tested separately). */
export const noSeq = (evs: EngineEvent[]) =>
  evs.map((e) => {
    const { seq: _s, ...rest } = e;
    return rest;
  });
