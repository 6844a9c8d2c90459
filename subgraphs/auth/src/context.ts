import type { Db } from '@flowex/db';
import type { Caller } from '@flowex/server';
import type { AuthServices } from './domain/services.ts';

export interface Context extends Caller {
  db: Db;
  ip: string | null;
  userAgent: string | null;
  services: AuthServices;
}
