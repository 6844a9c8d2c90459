export { createDb, type Db, databaseReachable } from './client.ts';
export * from './generated/prisma/client.ts';
export { ensureDatabase, migrateDatabase } from './migrate.ts';
export { FEE_ACCOUNT_EMAIL, SANDBOX_ACCOUNTS, seedDatabase } from './seed.ts';
