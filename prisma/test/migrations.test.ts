// schema.prisma and prisma/migrations can never drift: the schema engine applies every
// migration to an empty shadow database and diffs the result against schema.prisma.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffMigrationsToSchema, readMigrations } from '../src/schema-engine.ts';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from '../src/testing.ts';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('migrations');
  });
  afterAll(() => database?.drop());

  it('yield exactly schema.prisma when applied to an empty database', async () => {
    const sql = await diffMigrationsToSchema(TEST_SERVER_URL);
    expect(sql.replace(/^--.*$/gm, '').trim()).toBe('');
  });

  it('are recorded in _prisma_migrations as prisma migrate deploy would', async () => {
    const rows = await database.db.$queryRaw<
      { migration_name: string; finished_at: Date | null }[]
    >`
      SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(
      readMigrations().migrationDirectories.map((d) => d.path),
    );
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it('enforce non-negative balances in the database itself', async () => {
    const user = await database.db.user.create({ data: { email: 'checks@example.com' } });
    await database.db.asset.create({
      data: { code: 'BTC', name: 'Bitcoin', decimals: 8, withdrawalFee: '0', minWithdrawal: '0' },
    });
    await expect(
      database.db.balance.create({
        data: { userId: user.id, assetCode: 'BTC', available: '-0.00000001' },
      }),
    ).rejects.toThrow(/Balance_available_nonnegative/);
  });
});
