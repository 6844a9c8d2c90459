// Runs each service as its own child process with prefixed output, restarts one that
// crashes (with backoff) and says so loudly; stops them all on request.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@flowex/server';

interface Child {
  name: string;
  entry: string;
  nodeArgs: string[];
  process?: ChildProcess;
  restarts: number;
  stopping: boolean;
}

const COLORS = [36, 33, 35, 32, 34, 31];
const MAX_BACKOFF_MS = 10_000;

export class Supervisor {
  private readonly children: Child[] = [];
  /** Every unexpected exit, in order: what the operator (and the tests) can inspect. */
  readonly crashes: { name: string; code: number | null; signal: NodeJS.Signals | null }[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
  ) {}

  start(name: string, entry: string, nodeArgs: string[] = []): void {
    const child: Child = { name, entry, nodeArgs, restarts: 0, stopping: false };
    this.children.push(child);
    this.spawn(child);
  }

  private spawn(child: Child): void {
    const color = COLORS[this.children.indexOf(child) % COLORS.length];
    const prefix = `\x1b[${color}m${child.name.padEnd(11)}|\x1b[0m `;
    // FLOWEX_NODE_ARGS: extra Node flags for every child (e.g. `--cpu-prof` to profile), or
    // only for those FLOWEX_NODE_ARGS_FOR names (comma-separated, e.g. `trading,gateway`).
    const only = process.env.FLOWEX_NODE_ARGS_FOR?.split(',').map((n) => n.trim());
    const extra =
      only && !only.includes(child.name)
        ? []
        : (process.env.FLOWEX_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []);
    const args = [...child.nodeArgs, ...extra, '--import', 'tsx', child.entry];
    const proc = spawn(process.execPath, args, {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.process = proc;
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream }).on('line', (line) =>
        process.stdout.write(`${prefix}${line}\n`),
      );
    }
    proc.on('exit', (code, signal) => {
      if (child.stopping) return;
      child.restarts += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** child.restarts);
      this.logger.error(
        { child: child.name, code, signal, restartInMs: delay },
        `${child.name} crashed; restarting`,
      );
      this.crashes.push({ name: child.name, code, signal });
      setTimeout(() => {
        if (!child.stopping) this.spawn(child);
      }, delay);
    });
  }

  /** The running children's process ids, by service name. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.children.map((c) => [c.name, c.process?.pid]));
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children].reverse().map(
        (child) =>
          new Promise<void>((resolve) => {
            child.stopping = true;
            const proc = child.process;
            if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
            const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
            proc.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            proc.kill('SIGTERM');
          }),
      ),
    );
  }
}
