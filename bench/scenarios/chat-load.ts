import type { ChatConn, ChatSender, ChatSetup, RunReport, RunWindow, SettleReport } from '../gen/chat.ts';
import type { OpenReport } from '../gen/sockets.ts';
import { now } from '../lib/clock.ts';
import type { RunContext } from '../lib/context.ts';
import { split } from '../lib/generators.ts';
import { addLoss, noLoss, type SenderLedger } from '../lib/ledger.ts';
import { latency, losses, lossProblems, num } from '../lib/report.ts';
import { int, type OptionSpec, type Outcome } from '../lib/scenario.ts';
import type { BenchUser } from '../lib/setup.ts';
import { Histogram } from '../lib/stats.ts';

/** How messages are sent, shared by `pairs` and `group`. */
export interface SendOptions {
  transport: 'ws' | 'rest';
  window: number;
  rate: number;
  size: number;
}

export const sendHelp: Record<string, string> = {
  transport: 'ws: message.send frames answered by message.ack; rest: POST /api/chats/{id}/messages',
  window: 'closed loop: sends in flight per sender',
  rate: 'open loop: messages per second over all senders (0: closed loop)',
  size: 'content bytes per message',
};

export const sendOptions: OptionSpec = {
  transport: { type: 'string', default: 'ws' },
  window: { type: 'string', default: '4' },
  rate: { type: 'string', default: '0' },
  size: { type: 'string', default: '64' },
};

export function parseSendOptions(v: Record<string, string | boolean | undefined>): SendOptions {
  const transport = v.transport;
  if (transport !== 'ws' && transport !== 'rest') throw new Error('--transport must be ws or rest');
  return { transport, window: int(v.window, 'window', 1), rate: int(v.rate, 'rate'), size: int(v.size, 'size', 1) };
}

/** `closed loop, window 4` or `fixed rate 5000/s`, for titles. */
export function sendMode(o: SendOptions): string {
  return o.rate > 0 ? `fixed rate ${o.rate}/s` : `closed loop, window ${o.window}`;
}

/**
 * The load shared by `pairs` and `group`: every user holds one WebSocket; chats have members
 * (indexes into `users`) and senders (members who send, one stream each). Users are split over
 * the generator processes; a sender lives with its user's socket.
 */
export interface ChatPlan extends SendOptions {
  users: BenchUser[];
  chats: { id: number; members: number[]; senders: number[] }[];
  completion: boolean;
}

export interface ChatFigures {
  sentPerSec: number;
  offeredPerSec: number;
  deliveredPerSec: number;
  ack: ReturnType<Histogram['summary']>;
  delivery: ReturnType<Histogram['summary']>;
  completion?: ReturnType<Histogram['summary']>;
  lag: ReturnType<Histogram['summary']>;
  sent: number;
  acked: number;
  errors: number;
  unanswered: number;
  errorSamples: string[];
  loss: ReturnType<typeof noLoss>;
  closes: Record<string, number>;
  open: OpenReport[];
  settledMs: number;
}

export async function runChatLoad(ctx: RunContext, plan: ChatPlan): Promise<Omit<Outcome, 'title' | 'params'> & { figures: ChatFigures }> {
  const { common } = ctx;
  const procs = Math.max(1, Math.min(common.procs ?? 1, plan.users.length));
  const gens = await ctx.startGenerators(procs);
  const userSlices = split(
    plan.users.map((_, i) => i),
    procs,
  );
  const genOf = new Map<number, { gen: number; conn: number }>();
  userSlices.forEach((slice, g) => slice.forEach((u, k) => genOf.set(u, { gen: g, conn: k })));

  // One stream per (chat, sender); every member's socket is owed every stream of the chat.
  const streamsOfUser = new Map<number, number[]>();
  const senders: ChatSender[][] = gens.map(() => []);
  let stream = 0;
  for (const chat of plan.chats) {
    const streams: number[] = [];
    for (const u of chat.senders) {
      const at = genOf.get(u)!;
      const user = plan.users[u]!;
      senders[at.gen]!.push({ sender: stream, chatId: chat.id, url: user.url, token: user.token, conn: at.conn });
      streams.push(stream++);
    }
    for (const m of chat.members) streamsOfUser.set(m, [...(streamsOfUser.get(m) ?? []), ...streams]);
  }
  const totalSenders = stream;
  const setups: ChatSetup[] = userSlices.map((slice, g) => ({
    tag: ctx.tag,
    transport: plan.transport,
    size: plan.size,
    window: plan.window,
    rate: totalSenders === 0 ? 0 : (plan.rate * senders[g]!.length) / totalSenders,
    localAddresses: ctx.addressesFor(g, procs),
    connectConcurrency: 64,
    conns: slice.map((u): ChatConn => ({ url: plan.users[u]!.url, token: plan.users[u]!.token, owedBy: streamsOfUser.get(u) ?? [] })),
    senders: senders[g]!,
    completion: plan.completion,
  }));

  ctx.log(`opening ${plan.users.length} sockets over ${procs} generator process(es)`);
  const open = await Promise.all(gens.map((g, i) => g.call<OpenReport>('chat.open', setups[i])));
  const failedOpen = open.reduce((n, r) => n + r.failed, 0);
  if (failedOpen > 0) throw new Error(`${failedOpen} sockets failed to open: ${open.flatMap((r) => r.errors).join('; ')}`);
  // Each connection announces presence to its chats' members: let that storm pass first.
  const calm = await Promise.all(gens.map((g) => g.call<{ waitedMs: number; quiet: boolean }>('chat.quiet', { quietMs: 1000, maxMs: 60_000 })));
  ctx.log(`sockets open; quiet after ${Math.round(Math.max(...calm.map((c) => c.waitedMs)))} ms; measuring`);

  const start = now() + 300;
  const win: RunWindow = {
    start,
    measureFrom: start + common.warmup * 1000,
    measureTo: start + (common.warmup + common.duration) * 1000,
    stopAt: start + (common.warmup + common.duration) * 1000,
    answerTimeoutMs: common.drain * 1000,
  };
  const [runs, window] = await Promise.all([Promise.all(gens.map((g) => g.call<RunReport>('chat.run', win))), ctx.window(win.measureFrom, win.measureTo)]);
  const ledgers: [number, SenderLedger][] = runs.flatMap((r) => r.ledgers);
  ctx.log('sending stopped; waiting for every delivery');
  const settles = await Promise.all(gens.map((g) => g.call<SettleReport>('chat.settle', { ledgers, timeoutMs: common.drain * 1000 })));

  const seconds = common.duration;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ack = new Histogram();
  const lag = new Histogram();
  for (const r of runs) {
    ack.merge(r.ack);
    lag.merge(r.lag);
  }
  const delivery = new Histogram();
  const loss = noLoss();
  const closes: Record<string, number> = {};
  for (const s of settles) {
    delivery.merge(s.delivery);
    addLoss(loss, s.loss);
    for (const [code, n] of Object.entries(s.closes)) closes[code] = (closes[code] ?? 0) + n;
  }
  let completion: Histogram | undefined;
  if (plan.completion) {
    const latest = new Map<number, number[]>();
    for (const s of settles) {
      for (const [sender, arr] of s.completion) {
        const into = latest.get(sender) ?? [];
        arr.forEach((v, i) => (into[i] = Math.max(into[i] ?? -1, v)));
        latest.set(sender, into);
      }
    }
    completion = new Histogram();
    for (const arr of latest.values()) for (const v of arr) if (v !== undefined && v >= 0) completion.record(v);
  }
  const figures: ChatFigures = {
    sentPerSec: sum(runs.map((r) => r.ackedInWindow)) / seconds,
    offeredPerSec: sum(runs.map((r) => r.startedInWindow)) / seconds,
    deliveredPerSec: sum(settles.map((s) => s.deliveredInWindow)) / seconds,
    ack: ack.summary(),
    delivery: delivery.summary(),
    completion: completion?.summary(),
    lag: lag.summary(),
    sent: sum(runs.map((r) => r.sent)),
    acked: sum(runs.map((r) => r.acked)),
    errors: sum(runs.map((r) => r.errors)),
    unanswered: sum(runs.map((r) => r.unanswered)),
    errorSamples: runs.flatMap((r) => r.errorSamples).slice(0, 5),
    loss,
    closes,
    open,
    settledMs: Math.max(...settles.map((s) => s.settledMs)),
  };

  const rows: [string, string][] = [
    ['messages sent/s', `${num(figures.sentPerSec)}  (acknowledged in the ${seconds} s window${plan.rate > 0 ? `; offered ${num(figures.offeredPerSec)}/s` : ''})`],
    ['events delivered/s', `${num(figures.deliveredPerSec)}  (message.new frames received in the window)`],
    ['send → ack ms', `${latency(figures.ack)}${figures.unanswered > 0 ? '  (lower bounds: unanswered sends count as the time waited)' : ''}`],
    ['send → receive ms', latency(figures.delivery)],
  ];
  if (figures.completion) rows.push(['send → last member ms', latency(figures.completion)]);
  if (plan.rate > 0) rows.push(['generator lag ms', latency(figures.lag)]);
  rows.push(['errors', `${num(figures.errors)} (${num(figures.unanswered)} unanswered)${figures.errorSamples.length ? `: ${figures.errorSamples[0]}` : ''}`]);
  rows.push(['losses', losses(loss)]);
  if (Object.keys(closes).length > 0) rows.push(['sockets closed by server', JSON.stringify(closes)]);

  const problems = lossProblems(loss);
  if (figures.errors > 0) problems.push(`${figures.errors} send errors`);
  if (figures.unanswered > 0) problems.push(`${figures.unanswered} sends unanswered ${common.drain} s after sending stopped: the server did not keep up`);
  if (Object.keys(closes).length > 0) problems.push(`sockets closed during the run: ${JSON.stringify(closes)}`);
  return {
    window,
    rows,
    figures,
    // The operations the server's SQL and syscalls are divided by: sends acknowledged in the window.
    results: { ...figures, operations: sum(runs.map((r) => r.ackedInWindow)) },
    problems,
    key: {
      'sent/s': Math.round(figures.sentPerSec),
      'delivered/s': Math.round(figures.deliveredPerSec),
      'ack p99 ms': figures.ack.p99,
      'delivery p50 ms': figures.delivery.p50,
      'delivery p99 ms': figures.delivery.p99,
      ...(figures.completion && { 'last member p99 ms': figures.completion.p99 }),
    },
  };
}
