import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Load generator processes. Each is a child (`bench/gen/main.ts`) that holds its own sockets (the
 * open-files limit is per process) and answers calls from the orchestrator over IPC:
 * `{id, op, arg}` → `{id, result}` or `{id, error}`.
 */
export class Generator {
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private next = 0;
  private exitError: Error | undefined;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`generator ${index}: ${m.error}`));
      else p.resolve(m.result);
    });
    child.on('exit', (code, signal) => {
      this.exitError = new Error(`generator ${index} exited (${code ?? signal})`);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T = any>(op: string, arg?: unknown): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, op, arg });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** Starts `count` generator processes (profiled into `profileDir` when given). */
export async function startGenerators(count: number, profileDir?: string): Promise<Generator[]> {
  const entry = path.join(import.meta.dirname, '../gen/main.ts');
  const execArgv = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const gens = Array.from({ length: count }, (_, i) => {
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Generator(i, child);
  });
  await Promise.all(gens.map((g) => g.call('ping')));
  return gens;
}

export async function stopGenerators(gens: readonly Generator[]): Promise<void> {
  await Promise.all(gens.map((g) => g.stop()));
}

/** Splits items into `parts` contiguous slices of near-equal size. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < parts; i++) out.push(items.slice(Math.floor((i * items.length) / parts), Math.floor(((i + 1) * items.length) / parts)));
  return out;
}
