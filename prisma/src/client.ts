import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** One client per process and database; it owns a small `pg` pool. */
export function createDb(connectionString: string, options: { poolSize?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

/** For /ready: true when the database answers a trivial query. */
export async function databaseReachable(db: Db): Promise<boolean> {
  await db.$queryRaw`SELECT 1`;
  return true;
}
