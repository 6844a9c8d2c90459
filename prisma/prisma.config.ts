import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (generate). Migrations run through src/cli/migrate.ts, which
// drives Prisma's WebAssembly schema engine (the native one cannot be downloaded here).
export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/flowex' },
});
