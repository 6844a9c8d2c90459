// Development secrets: outside production a secret that is not configured is generated
// once and kept under `${FLOWEX_DATA_DIR}/keys/<name>` (mode 0600), so restarts and the
// separate service processes all use the same one. Production requires the variable.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DevSecretOptions {
  /** The configured value; used as-is when set. */
  configured: string | undefined;
  production: boolean;
  dataDir: string;
  /** File name under `<dataDir>/keys/`. */
  name: string;
  /** The environment variable that configures it (for the error message). */
  variable: string;
  generate: () => string;
}

export function devSecret(options: DevSecretOptions): string {
  if (options.configured) return options.configured;
  if (options.production) throw new Error(`${options.variable} is required in production`);
  const dir = resolve(options.dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, options.name);
  const existing = readIfPresent(path);
  if (existing !== undefined) return existing;
  try {
    // 'wx': exactly one process creates the file; the others read the winner's secret.
    writeFileSync(path, options.generate(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return waitForContent(path);
}

function readIfPresent(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > 0 ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function waitForContent(path: string): string {
  // The creator writes right after creating the file; an empty read is that tiny gap.
  for (let i = 0; i < 1000; i++) {
    const text = readIfPresent(path);
    if (text !== undefined) return text;
  }
  throw new Error(`development secret ${path} is empty`);
}
