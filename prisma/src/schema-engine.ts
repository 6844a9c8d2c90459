// Prisma's WebAssembly schema engine, driven over a `pg` connection. It is the same
// engine `prisma migrate` uses (same `_prisma_migrations` bookkeeping), without the
// native binary the CLI would download.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

export const prismaDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const schemaPath = join(prismaDir, 'schema.prisma');
export const migrationsDir = join(prismaDir, 'migrations');

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm');
type WasmExports = Record<string, unknown>;
// Node has WebAssembly; the ES lib typings we compile against do not declare it.
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: {
    instantiate(
      bytes: Uint8Array,
      imports: object,
    ): Promise<{ instance: { exports: WasmExports } }>;
  };
};
let engineModule: Promise<SchemaEngineModule> | undefined;

/** Instantiates the WASM module by hand: Node cannot `import` a .wasm file. */
function loadEngineModule(): Promise<SchemaEngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bindings = (await import(bgPath)) as SchemaEngineModule & {
      __wbg_set_wasm(exports: WasmExports): void;
    };
    const wasmBytes = readFileSync(join(dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(wasmBytes, {
      './schema_engine_bg.js': bindings,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return engineModule;
}

export function readSchema(): string {
  return readFileSync(schemaPath, 'utf8');
}

/**
 * The schema engine reads catalog columns of PostgreSQL's one-byte `"char"` type
 * (pg_class.relkind and friends), which @prisma/adapter-pg 7.10 refuses as an unsupported
 * native type. `"char"` arrives as text, so relabel it as text for this process only
 * (the migration tools; the application's Prisma clients never see catalog columns).
 */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
let charColumnsRelabelled = false;
function relabelCharColumnsAsText(): void {
  if (charColumnsRelabelled) return;
  charColumnsRelabelled = true;
  const relabel = (result: unknown) => {
    for (const field of (result as pg.QueryResult | undefined)?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
    return result;
  };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, result: unknown) => callback(err, relabel(result));
      return query.apply(this, args);
    }
    const out = query.apply(this, args);
    return out instanceof Promise ? out.then(relabel) : out;
  } as typeof pg.Client.prototype.query;
}

export async function openSchemaEngine(
  connectionString: string,
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule();
  relabelCharColumnsAsText();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  return SchemaEngine.new(
    { datamodels: [[schemaPath, readSchema()]] },
    (message: string) => log(message),
    adapter,
  );
}

export function readMigrations(): MigrationList {
  const dirs = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  let lockContent: string | null = null;
  try {
    lockContent = readFileSync(lockPath, 'utf8');
  } catch {}
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: {
          tag: 'ok',
          value: readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8'),
        },
      },
    })),
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };

/** Applies every migration not yet recorded in `_prisma_migrations`; returns their names. */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const engine = await openSchemaEngine(connectionString);
  try {
    const out = await engine.applyMigrations({
      migrationsList: readMigrations(),
      filters: noFilters,
    });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * SQL that takes a database holding all migrations to what schema.prisma describes. The
 * engine applies every migration to a fresh shadow database and diffs that against the
 * schema, so an empty answer proves migrations and schema.prisma agree.
 */
export async function diffMigrationsToSchema(connectionString: string): Promise<string> {
  const engine = await openSchemaEngine(connectionString);
  try {
    const result = await engine.diff({
      from: { tag: 'migrations', ...readMigrations() },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: readSchema() }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? '';
  } finally {
    engine.free();
  }
}
