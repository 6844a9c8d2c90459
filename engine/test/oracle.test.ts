import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXPECTED_SHA256,
  flash1Dir,
  loadWorkload,
  reportHash,
  SCENARIOS,
} from '../src/flash1/index.ts';

describe('flash1 external oracle (5 workloads x ~2M messages)', () => {
  it('finds the flash1 workloads (FLASH1_DIR or <repo>/../shared/flash1)', () => {
    const dir = flash1Dir();
    for (const s of SCENARIOS) {
      const f = path.join(dir, `${s}.bin.br`);
      expect(existsSync(f), `missing flash1 workload ${f}: set FLASH1_DIR`).toBe(true);
    }
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: report SHA-256 matches the consensus hash`, () => {
      const w = loadWorkload(scenario);
      expect(w.count).toBe(1996097);
      expect(reportHash(w)).toBe(EXPECTED_SHA256[scenario]);
    }, 120_000);
  }
});
