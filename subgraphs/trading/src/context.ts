import type { Db } from '@flowex/db';
import type { Caller } from '@flowex/server';

export interface Context extends Caller {
  db: Db;
  ip: string | null;
}
