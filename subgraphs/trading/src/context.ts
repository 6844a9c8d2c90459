import type { Bus } from '@flowex/bus';
import type { Db } from '@flowex/db';
import type { Caller } from '@flowex/server';
import type { MarketRow } from './data/reference.ts';

export interface Context extends Caller {
  db: Db;
  bus: Bus;
  ip: string | null;
  /** W3C trace context the engine's commands continue (see @flowex/server's tracing). */
  traceparent: string | undefined;
  /** Markets looked up during this request (orders and fills name theirs). */
  markets: Map<string, Promise<MarketRow | null>>;
}
