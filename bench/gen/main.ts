import { ChatJob, type ChatSetup } from './chat.ts';
import { historyRun, type HistoryRun } from './history.ts';
import { IdleJob, type IdleSetup } from './idle.ts';
import { argon2Cost, loginStorm, type Argon2Cost, type LoginStorm } from './login.ts';
import type { SocketSpec } from './sockets.ts';

/**
 * A load generator process: the orchestrator (bench/run.ts) calls these operations over IPC.
 * Keeping sockets here, not in the orchestrator, lets a run use several processes (each with its
 * own open-files limit and event loop) and keeps the orchestrator's bookkeeping off their clock.
 */

let chat: ChatJob | undefined;
let idle: IdleJob | undefined;

const need = <T>(job: T | undefined, what: string): T => {
  if (!job) throw new Error(`no ${what} job in this generator`);
  return job;
};

const ops: Record<string, (arg: any) => unknown> = {
  ping: () => ({ pid: process.pid }),
  cpu: () => process.cpuUsage(),
  'chat.open': (setup: ChatSetup) => (chat = new ChatJob(setup)).open(),
  'chat.quiet': (arg: { quietMs: number; maxMs: number }) => need(chat, 'chat').quiet(arg),
  'chat.run': (win) => need(chat, 'chat').run(win),
  'chat.settle': (arg) => need(chat, 'chat').settle(arg),
  'idle.open': (arg: { setup: IdleSetup; specs: SocketSpec[] }) => (idle ??= new IdleJob(arg.setup)).open(arg.specs),
  'idle.status': () => need(idle, 'idle').status(),
  'login.storm': (arg: LoginStorm) => loginStorm(arg),
  'login.argon2': (arg: Argon2Cost) => argon2Cost(arg),
  'history.run': (arg: HistoryRun) => historyRun(arg),
};

process.on('message', (m: { id: number; op: string; arg: unknown }) => {
  const op = ops[m.op];
  Promise.resolve()
    .then(() => {
      if (!op) throw new Error(`unknown operation ${m.op}`);
      return op(m.arg);
    })
    .then(
      (result) => process.send!({ id: m.id, result: result ?? null }),
      (err: unknown) => process.send!({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
});

const shutdown = () => {
  chat?.close();
  idle?.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);
