// `npm run db:migrate`: applies prisma/migrations/* to DATABASE_URL (creating the
// database if it does not exist), exactly as `prisma migrate deploy` would.

import { migrateDatabase } from '../migrate.ts';
import { databaseUrlForTools } from '../tool-database.ts';

const url = databaseUrlForTools();
const applied = await migrateDatabase(url);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
