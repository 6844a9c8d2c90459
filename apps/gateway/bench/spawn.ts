import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./processes.ts', import.meta.url));
const children: ChildProcess[] = [];

/** Starts a benchmark child process and resolves with what it reports when ready. */
export function start<T>(
  role: string,
  arg: unknown = {},
): Promise<{ value: T; child: ChildProcess }> {
  const profile =
    process.env.BENCH_CPU_PROF === role ? ['--cpu-prof', '--cpu-prof-dir=/tmp/flowex-prof'] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', script, role, JSON.stringify(arg)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        APOLLO_TELEMETRY_DISABLED: '1',
      },
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: T };
        if (parsed.ready !== undefined) resolve({ value: parsed.ready, child });
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

export function stopAll() {
  for (const child of children) {
    child.stdin?.end();
    if (!process.env.BENCH_CPU_PROF) child.kill();
  }
}

process.once('exit', stopAll);
