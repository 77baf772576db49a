import WebSocket from 'ws';

/**
 * Client process of ws-delivery: opens the sockets, timestamps every durable frame on arrival and,
 * once the expected number of frames arrived (or 60 s passed), reports the latencies: arrival
 * minus the send time the frame carries at `path` (e.g. `data.conversation.sentAt`).
 */
interface Job {
  url: string;
  tokens: string[];
  path: string[];
}

const job = await new Promise<Job>((resolve) => process.once('message', (m: { job: Job }) => resolve(m.job)));
const send = (msg: unknown) => process.send!(msg);
const now = () => performance.timeOrigin + performance.now();
const latencies: number[] = [];
let first = Infinity;
let last = 0;
let frames = 0;
let expected = Infinity;
let done: (() => void) | undefined;

function sentAt(frame: unknown): number {
  let v: unknown = frame;
  for (const key of job.path) v = (v as Record<string, unknown> | undefined)?.[key];
  return Number(v);
}

const sockets = job.tokens.map((token) => new WebSocket(`${job.url}?token=${token}`, { perMessageDeflate: false }));
await Promise.all(
  sockets.map(
    (ws) =>
      new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (raw: Buffer) => {
          const f = JSON.parse(raw.toString('utf8')) as { type: string; seq?: number };
          if (f.type === 'connect') return resolve();
          if (f.seq === undefined) return;
          const t = now();
          const s = sentAt(f);
          if (Number.isFinite(s)) latencies.push(t - s);
          frames++;
          first = Math.min(first, t);
          last = t;
          if (frames >= expected) done?.();
        });
      }),
  ),
);
send({ ready: true });
async function finish(expect: number): Promise<void> {
  expected = expect;
  if (frames < expected) {
    await new Promise<void>((resolve) => {
      done = resolve;
      setTimeout(resolve, 60_000).unref();
    });
  }
  for (const ws of sockets) ws.terminate();
  send({ frames, first, last, latencies });
}
process.on('message', (msg: { expect: number }) => void finish(msg.expect));
