import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

const pools = new WeakMap<Db, pg.Pool>();

/** One client per process and database; it owns a small `pg` pool. */
export function createDb(connectionString: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10 });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({ adapter });
  pools.set(db, pool);
  return db;
}

/**
 * The client's own `pg` pool, for the few hot statements that run as named prepared
 * statements (parsed and planned once per connection; Prisma's raw queries are unnamed).
 * node-postgres' default parsing applies: numeric and bigint come back as strings.
 */
export function sqlPool(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('sqlPool: this client was not made by createDb');
  return pool;
}

/** For /ready: true when the database answers a trivial query. */
export async function databaseReachable(db: Db): Promise<boolean> {
  await db.$queryRaw`SELECT 1`;
  return true;
}
