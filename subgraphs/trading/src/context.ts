import type { Bus } from '@flowex/bus';
import type { Db } from '@flowex/db';
import type { IntakeTrace } from '@flowex/engine';
import type { Caller } from '@flowex/server';
import type { MarketRow } from './data/reference.ts';

export interface Context extends Caller {
  db: Db;
  bus: Bus;
  ip: string | null;
  /** The request's trace, continued by the commands it sends (intake spans, the engine). */
  trace: IntakeTrace;
  /** Markets looked up during this request (orders and fills name theirs). */
  markets: Map<string, Promise<MarketRow | null>>;
}
