/**
 * Cross-node delivery: what the Redis bus adds to a message's way from one node to a socket on
 * another.
 *
 *   TEST_DATABASE_URL=postgres://... node --import tsx bench/cluster-delivery.ts [--messages 2000] [--readers 20]
 *
 * Starts two node processes (`serve` with the probe profile) on a fresh PostgreSQL database and the
 * machine's Redis (TEST_REDIS_URL, default 127.0.0.1:6379, under a key prefix of its own). One
 * sender posts `messages` REST sends to node A, 16 in flight, into a group whose `readers` are
 * connected half to A and half to B. Latency runs from the start of the send to the frame's
 * arrival, split by whether the reader sits on the node that committed the message.
 */
import { parseArgs } from 'node:util';
import { clusterDatabase } from '../test/support/cluster-db.ts';
import { dropPrefix, NodeProcess, nodeEnv, sharedRedisUrl, uniquePrefix } from '../test/support/cluster.ts';
import { okData } from '../test/support/shapes.ts';
import { registerUser } from '../test/support/users.ts';
import { WsClient } from '../test/support/ws.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, readers: { type: 'string', default: '20' } } });
const total = Number(values.messages);
const readerCount = Number(values.readers);

function percentile(sorted: number[], p: number): string {
  return sorted.length === 0 ? '-' : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
}

const prefix = uniquePrefix();
const db = await clusterDatabase();
const nodes: NodeProcess[] = [];
try {
  nodes.push(await NodeProcess.start(db, nodeEnv(sharedRedisUrl, prefix, 'bench-a', { LOG_LEVEL: 'warn' })));
  nodes.push(await NodeProcess.start(db, nodeEnv(sharedRedisUrl, prefix, 'bench-b', { LOG_LEVEL: 'warn' })));
  const [a, b] = nodes as [NodeProcess, NodeProcess];
  const sender = await registerUser(a.api);
  const readers = await Promise.all(Array.from({ length: readerCount }, () => registerUser(a.api)));
  const chat = okData(await a.api.post('/api/chats', { name: 'bench', type: 'group', members: readers.map((r) => r.id) }, { token: sender.token }));
  const sockets = await Promise.all(readers.map((r, i) => WsClient.connect((i % 2 === 0 ? a : b).url, r.token, { path: '/probe/ws' })));

  const started = new Map<string, number>();
  const latency: { same: number[]; cross: number[] } = { same: [], cross: [] };
  let arrived = 0;
  let done: () => void;
  const allArrived = new Promise<void>((r) => (done = r));
  sockets.forEach((ws, i) => {
    ws.ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString('utf8'));
      if (f.type !== 'message.created') return;
      const t0 = started.get(f.data.message.clientId);
      if (t0 === undefined) return;
      (i % 2 === 0 ? latency.same : latency.cross).push(performance.now() - t0);
      if (++arrived === total * readerCount) done();
    });
  });

  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const id = `m${next++}`;
        started.set(id, performance.now());
        const res = await a.api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: id, client_id: id }, { token: sender.token });
        if (res.status !== 200) throw new Error(`send failed: ${res.status} ${res.text}`);
      }
    }),
  );
  const sent = performance.now();
  await allArrived;
  const end = performance.now();

  console.log(`\n${total} messages to ${readerCount} readers (half on the sending node, half on the other)`);
  console.log(`  sends:       ${(total / ((sent - t0) / 1000)).toFixed(0)}/s (REST, 16 in flight, one node)`);
  console.log(`  deliveries:  ${((total * readerCount) / ((end - t0) / 1000)).toFixed(0)}/s`);
  for (const [name, list] of Object.entries(latency)) {
    const sorted = list.sort((x, y) => x - y);
    console.log(`  ${name === 'same' ? 'same node ' : 'other node'} ms: p50 ${percentile(sorted, 50)}  p90 ${percentile(sorted, 90)}  p99 ${percentile(sorted, 99)}  max ${sorted.at(-1)?.toFixed(1)}`);
  }
  for (const ws of sockets) await ws.close();
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  await db.cleanup();
  await dropPrefix(sharedRedisUrl, prefix);
}
