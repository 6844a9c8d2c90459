// The engine says at start when the server runs without autovacuum (a real PostgreSQL: this
// machine's has it off, a default server on; the test follows whichever it is).
import { createTestDatabase, type TestDatabase } from '@flowex/db/testing';
import { createLogger } from '@flowex/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warnIfAutovacuumOff } from '../../src/service/autovacuum.ts';

describe('autovacuum check', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('engine_autovacuum');
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('warns exactly when the server has autovacuum off', async () => {
    const [shown] = await t.db.$queryRawUnsafe<{ autovacuum: string }[]>('SHOW autovacuum');
    const warnings: string[] = [];
    const logger = createLogger('engine-test', 'silent');
    logger.warn = ((message: string) => {
      warnings.push(message);
    }) as typeof logger.warn;
    const off = await warnIfAutovacuumOff(t.db, logger);
    expect(off).toBe(shown!.autovacuum === 'off');
    expect(warnings).toHaveLength(off ? 1 : 0);
    if (off) expect(warnings[0]).toMatch(/autovacuum is off/);
  });
});
