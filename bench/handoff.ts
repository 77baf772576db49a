/**
 * What handing a message from one process to another costs, each side's CPU per message: the
 * figure behind issue 19's item 1 (gateway processes in front of one store process would send
 * every command one way and every event and acknowledgement the other).
 *
 *   npm run bench:handoff [-- --messages 50000]
 *
 * The parent forks itself as the receiver and sends it events shaped like a message.created
 * (a 64-byte text message and its sender), one per IPC message or in batches, with Node's JSON
 * and "advanced" (structured clone) serialisation. Each side reports its own process CPU time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { messageFixture } from '../test/support/fixtures.ts';

const event = {
  seq: 123_456,
  type: 'message.created',
  audience: { kind: 'conversation', id: 4242 },
  at: 1_764_567_890_123,
  data: {
    message: messageFixture(1_764_567_890_123, { id: 987_654, conversationId: 4242, senderId: 17, content: 'x'.repeat(64), clientId: 'c-0123456789' }),
    sender: { id: 17, username: 'alice', nickname: 'Alice', avatar: null },
    receiverId: 18,
  },
};

type Serialization = 'json' | 'advanced';

function cpuMicros(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return u.user + u.system;
}

if (process.argv.includes('--child')) {
  let expected = 0;
  let received = 0;
  let start = process.cpuUsage();
  process.on('message', (m: { expect?: number; batch?: unknown[] }) => {
    if (m.expect !== undefined) {
      [expected, received, start] = [m.expect, 0, process.cpuUsage()];
      process.send!({ ready: true });
      return;
    }
    received += m.batch?.length ?? 1;
    if (received === expected) process.send!({ cpu: cpuMicros(start) });
  });
} else {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '50000' } } });
  const n = Number(values.messages);
  const once = <T>(child: ChildProcess, test: (m: T) => boolean) =>
    new Promise<T>((resolve) => {
      const on = (m: T) => {
        if (!test(m)) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  const send = (child: ChildProcess, m: unknown) => new Promise<void>((resolve, reject) => child.send(m as never, (err) => (err ? reject(err) : resolve())));
  console.log(`handoff: ${n.toLocaleString('en')} message.created events (${JSON.stringify(event).length} bytes as JSON) to a forked process, node ${process.version}`);
  console.log('serialisation  batch  sender µs/msg  receiver µs/msg');
  for (const serialization of ['json', 'advanced'] as Serialization[]) {
    const child = fork(import.meta.filename, ['--child'], { serialization, execArgv: process.execArgv });
    for (const batch of [1, 10, 100]) {
      const ready = once<{ ready?: boolean }>(child, (m) => m.ready === true);
      child.send({ expect: n });
      await ready;
      const done = once<{ cpu?: number }>(child, (m) => m.cpu !== undefined);
      // Distinct objects, as a server's would be: the structured clone writes a repeated object once.
      const events = Array.from({ length: n }, (_, i) => ({ ...structuredClone(event), seq: i }));
      const start = process.cpuUsage();
      for (let i = 0; i < n; i += batch) {
        const m = batch === 1 ? events[i] : { batch: events.slice(i, i + batch) };
        // Waiting on every 64th keeps the queue in the pipe, not in this process's memory.
        if ((i / batch) % 64 === 63) await send(child, m);
        else child.send(m as never);
      }
      const { cpu } = await done;
      const sender = cpuMicros(start);
      console.log(`${serialization.padEnd(13)}  ${String(batch).padStart(5)}  ${(sender / n).toFixed(2).padStart(13)}  ${(cpu! / n).toFixed(2).padStart(15)}`);
    }
    child.kill();
  }
  const t0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += JSON.stringify(event).length;
  console.log(`for scale: JSON.stringify of the same event here ${(cpuMicros(t0) / n).toFixed(2)} µs/msg (${(bytes / 2 ** 20).toFixed(1)} MiB written)`);
}
