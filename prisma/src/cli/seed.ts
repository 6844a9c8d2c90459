// `npm run db:seed`: reference data, and the sandbox accounts unless NODE_ENV=production.
import { loadConfig } from '@flowex/config';
import { createDb } from '../client.ts';
import { seedDatabase } from '../seed.ts';
import { databaseUrlForTools } from '../tool-database.ts';

const config = loadConfig();
const db = createDb(databaseUrlForTools());
try {
  await seedDatabase(db, { sandbox: config.sandbox });
  console.log(`seeded (sandbox accounts: ${config.sandbox ? 'yes' : 'no'})`);
} finally {
  await db.$disconnect();
}
