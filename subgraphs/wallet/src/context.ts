import type { Db } from '@flowex/db';
import type { Caller } from '@flowex/server';
import type { WalletServices } from './domain/services.ts';

export interface Context extends Caller {
  db: Db;
  services: WalletServices;
}
