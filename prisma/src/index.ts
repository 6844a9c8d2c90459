export { createDb, type Db, databaseReachable, sqlPool } from './client.ts';
export * from './generated/prisma/client.ts';
export { ensureDatabase, migrateDatabase } from './migrate.ts';
export { FEE_ACCOUNT_EMAIL, SANDBOX_ACCOUNTS, seedDatabase } from './seed.ts';
