// Prisma's WebAssembly schema engine, driven over a `pg` connection. It is the same
// engine `prisma migrate` uses (same `_prisma_migrations` bookkeeping), without the
// native binary the CLI would download.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';

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

// The engine reports Rust panics through this global; without it a panic surfaces as a
// TypeError that hides the real message.
const panics = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
panics.PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    console.error(`schema engine panic: ${message}`);
  },
};

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
 * @prisma/adapter-pg 7.10 refuses PostgreSQL's one-byte `"char"` type (OID 18), which the
 * schema engine reads from the catalogs (pg_class.relkind, pg_constraint.contype). On the
 * migration tools' own connections only, `"char"` columns are relabelled as text (the value
 * arrives as a one-letter string either way), and the one column the describer decodes as a
 * character, `constraint_type`, is typed back as Character in the adapter's answer. The
 * application's clients (even in the same process, after `npm start` migrated) are plain.
 */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
const CHARACTER_COLUMNS = new Set(['constraint_type']);

function relabel(result: unknown) {
  for (const field of (result as pg.QueryResult | undefined)?.fields ?? []) {
    if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

class CatalogClient extends pg.Client {
  override query(...args: unknown[]): never {
    const query = super.query as (...a: unknown[]) => unknown;
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, result: unknown) => callback(err, relabel(result));
      return query.apply(this, args) as never;
    }
    const out = query.apply(this, args);
    return (out instanceof Promise ? out.then(relabel) : out) as never;
  }
}

interface Queryable {
  queryRaw(query: SqlQuery): Promise<SqlResultSet>;
  startTransaction?(...args: unknown[]): Promise<Queryable>;
}

/** What @prisma/adapter-pg's queryable has besides the driver-adapter interface. */
interface PgQueryable {
  underlyingDriver(): pg.Pool | pg.PoolClient;
  /** Throws the driver error converted for the engine. */
  onError(error: unknown): never;
}

function typeCharacterColumns<T extends Queryable>(
  queryable: T,
  afterDispose?: () => Promise<void>,
): T {
  return new Proxy(queryable, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'dispose' && afterDispose) {
        return async () => {
          await (value as () => Promise<void>).call(target);
          await afterDispose();
        };
      }
      if (prop === 'queryRaw') {
        return async (query: SqlQuery) => {
          const result = await target.queryRaw(query);
          result.columnNames.forEach((name, i) => {
            if (CHARACTER_COLUMNS.has(name)) result.columnTypes[i] = ColumnTypeEnum.Character;
          });
          return result;
        };
      }
      if (prop === 'executeScript') {
        // The adapter splits a script on every ';' (7.x), which breaks a function body or a
        // ';' inside a string. Like the native engine, send it whole: one simple-protocol
        // query, which PostgreSQL runs as one implicit transaction.
        const adapter = target as unknown as PgQueryable;
        return async (script: string) => {
          try {
            await adapter.underlyingDriver().query(script);
          } catch (error) {
            adapter.onError(error);
          }
        };
      }
      if (prop === 'startTransaction') {
        return async (...args: unknown[]) =>
          typeCharacterColumns(
            await (value as (...a: unknown[]) => Promise<Queryable>).apply(target, args),
          );
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function migrationAdapter(connectionString: string): SqlMigrationAwareDriverAdapterFactory {
  // A parsed config, not `connectionString`: the adapter derives the shadow database's
  // pool as `{ ...config, database }`, and pg lets a connection string override
  // `database`, which would run the shadow migrations against the real database.
  const config = {
    ...(parseIntoClientConfig(connectionString) as pg.PoolConfig),
    Client: CatalogClient,
  };
  const factory = new PrismaPg(config);
  const admin = async (sql: string) => {
    const client = new pg.Client(config);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => typeCharacterColumns(await factory.connect()),
    // The adapter's own shadow database is dropped while its pool still holds a
    // connection, which fails; close the pool first, then drop.
    async connectToShadowDb() {
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      await admin(`CREATE DATABASE "${database}"`);
      const shadow = await new PrismaPg({ ...config, database }).connect();
      return typeCharacterColumns(shadow, () =>
        admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
      );
    },
  };
}

export async function openSchemaEngine(
  connectionString: string,
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule();
  const adapter = bindMigrationAwareSqlAdapterFactory(migrationAdapter(connectionString));
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
