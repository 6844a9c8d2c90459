// `npm run db:migration:new -- <name>`: writes the SQL that takes the existing
// migrations to schema.prisma as prisma/migrations/<timestamp>_<name>/migration.sql.
// The diff runs on a throw-away shadow database the adapter creates on DATABASE_URL's
// server. Review the SQL; if you must add to it (CHECK constraints Prisma cannot model),
// do it in a separate, commented migration rather than editing generated SQL silently.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffMigrationsToSchema, migrationsDir } from '../schema-engine.ts';
import { databaseUrlForTools } from '../tool-database.ts';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
if (!name) {
  console.error('usage: npm run db:migration:new -- <name>');
  process.exit(2);
}
const sql = await diffMigrationsToSchema(databaseUrlForTools());
if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) {
  console.log('schema.prisma and the migrations agree: nothing to write.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'migration.sql'), sql);
console.log(`wrote ${join(dir, 'migration.sql')}`);
