import type { Bus } from '@flowex/bus';
import type { Db } from '@flowex/db';
import type { BookReplicas } from './domain/book.ts';

export interface Context {
  db: Db;
  bus: Bus;
  books: BookReplicas;
}
