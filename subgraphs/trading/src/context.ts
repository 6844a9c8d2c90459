import type { Db } from '@flowex/db';

export interface Context {
  db: Db;
}
