// One vitest setup for every workspace (each has a one-line vitest.config.ts that
// re-exports this). Integration tests talk to real PostgreSQL/Redis and real processes
// on a 2-core machine, so timeouts are generous; speed is measured by benchmarks.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
  },
});
