import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Syscall counts of the server during the measured window, from kernel tracepoints
 * (`perf stat -e syscalls:sys_enter_*`): cheap enough to leave on, unlike strace, and exact. The
 * point is the fsyncs: how many each acknowledged send costs.
 */
const EVENTS = ['fsync', 'fdatasync', 'pwrite64', 'write', 'writev', 'pread64', 'read', 'epoll_wait'];

export interface SyscallCounter {
  stop(): Promise<Record<string, number> | { error: string }>;
}

export function countSyscalls(pid: number, outFile: string): SyscallCounter {
  let child: ChildProcess;
  let failed: string | undefined;
  try {
    child = spawn('perf', ['stat', '-x', ',', '-o', outFile, '-e', EVENTS.map((e) => `syscalls:sys_enter_${e}`).join(','), '-p', String(pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (failed = (failed ?? '') + d.toString()));
    child.on('error', (err) => (failed = err.message));
  } catch (err) {
    failed = (err as Error).message;
  }
  return {
    async stop() {
      if (!child || child.exitCode !== null) return { error: failed ?? 'perf exited early' };
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      await done;
      try {
        const counts: Record<string, number> = {};
        for (const line of readFileSync(outFile, 'utf8').split('\n')) {
          const [value, , event] = line.split(',');
          const m = /syscalls:sys_enter_(\w+)/.exec(event ?? '');
          if (m && value !== undefined && /^\d+$/.test(value)) counts[m[1]!] = Number(value);
        }
        return Object.keys(counts).length > 0 ? counts : { error: failed ?? 'no counts' };
      } catch (err) {
        return { error: failed ?? (err as Error).message };
      }
    },
  };
}
