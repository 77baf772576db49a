/**
 * First figures for the realtime path: events delivered per second and delivery latency.
 *
 *   node --import tsx bench/ws-delivery.ts [--members 200] [--events 2000] [--store sqlite|postgres]
 *
 * Starts a server in this process (fresh database, rate limits off) and opens the client sockets
 * in a child process, so clients and server do not share an event loop. Scenarios:
 *  1. fan-out: one group with N members, each with one socket; E durable conversation events,
 *     each its own transaction (append to the log, commit, publish, encode once, send N times);
 *  2. REST: one user with 4 sockets; E `PUT /api/contacts/{id}` requests, 16 in flight; latency
 *     from the request's start to the frame's arrival.
 *  3. messages: a group of the same N members made through REST, each with one zhihang socket;
 *     E `POST /api/chats/{id}/messages` from one member, 16 in flight; every member gets
 *     `message.new`; latency from the request's start to each frame's arrival.
 * The real harness (any server URL, many nodes) is the benchmark issue's.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { createLogger } from '../src/logger.ts';
import { Api } from '../test/support/api.ts';
import { mountsWithProbe } from '../test/support/probe.ts';
import { scratch } from '../test/support/stores.ts';
import { registerUser } from '../test/support/users.ts';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '200' }, events: { type: 'string', default: '2000' }, store: { type: 'string', default: 'sqlite' } },
});
const members = Number(values.members);
const events = Number(values.events);
const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(name: string, r: { frames: number; first: number; last: number; latencies: number[] }, start: number, sent: number, sentDone: number) {
  const lat = [...r.latencies].sort((a, b) => a - b);
  const seconds = (r.last - start) / 1000;
  console.log(`\n${name}`);
  console.log(`  events committed:   ${sent} in ${((sentDone - start) / 1000).toFixed(2)} s  (${Math.round(sent / ((sentDone - start) / 1000))}/s)`);
  console.log(`  frames delivered:   ${r.frames} in ${seconds.toFixed(2)} s  (${Math.round(r.frames / seconds)}/s)`);
  console.log(`  latency ms:         p50 ${percentile(lat, 50).toFixed(1)}  p90 ${percentile(lat, 90).toFixed(1)}  p99 ${percentile(lat, 99).toFixed(1)}  max ${lat.at(-1)?.toFixed(1)}`);
}

/** Sockets in a child process; `finish` waits for `expect` frames and returns what was measured. */
function clients(url: string, tokens: string[], path: string[]) {
  const child = fork(new URL('./ws-clients.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
  child.send({ job: { url, tokens, path } });
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  return {
    ready,
    async finish(expect: number): Promise<{ frames: number; first: number; last: number; latencies: number[] }> {
      const result = new Promise<any>((resolve) => child.once('message', resolve));
      child.send({ expect });
      const r = await result;
      child.kill();
      return r;
    },
  };
}

const dir = await scratch(values.store === 'postgres' ? 'postgres' : 'sqlite');
const config = loadConfig({
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: dir.dataDir,
  DATABASE_URL: dir.databaseUrl,
  LOG_LEVEL: 'warn',
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_QUERY: 'off',
  RATE_LIMIT_SEND: 'off',
  WS_RATE_LIMIT: 'off',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
});
const server = await startServer(config, { logger: createLogger('warn'), mounts: mountsWithProbe() });
const api = new Api(server.url);
const wsBase = server.url.replace(/^http/, 'ws');
console.log(`parley ws-delivery: ${config.databaseUrl.startsWith('sqlite') ? 'SQLite (synchronous FULL)' : 'PostgreSQL'}, node ${process.version}`);

try {
  // 1. Fan-out of durable conversation events.
  const users: Awaited<ReturnType<typeof registerUser>>[] = [];
  for (let i = 0; i < members; i++) users.push(await registerUser(api));
  const { core } = server;
  const conversationId = await core.transactor.run(async (tx) => {
    const at = core.clock.now();
    const row = await tx.db.insertInto('conversations').values({ type: 'group', name: 'bench', last_activity_at: at, created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const list = users.map((u) => ({ conversationId: row.id, userId: u.id, role: 'member' as const, joinedAt: at, isPinned: false, isMuted: false, lastReadMessageId: 0 }));
    await tx.db.insertInto('conversation_members').values(list.map((m) => ({ conversation_id: row.id, user_id: m.userId, role: 'member', joined_at: at }))).execute();
    return row.id;
  });
  const fan = clients(`${wsBase}/probe/ws`, users.map((u) => u.token), ['data', 'conversation', 'sentAt']);
  await fan.ready;
  const start1 = now();
  for (let i = 0; i < events; i++) {
    await core.transactor.run(async (_tx, emit) => {
      emit({
        type: 'conversation.updated',
        audience: { kind: 'conversation', id: conversationId },
        data: { conversation: { sentAt: now() } as never, changes: ['name'], by: null },
      });
    });
  }
  const sent1 = now();
  const r1 = await fan.finish(events * members);
  report(`1. fan-out: ${events} durable events to a group of ${members} (one socket each)`, r1, start1, events, sent1);
  if (r1.frames < events * members) console.log(`  (only ${r1.frames} of ${events * members} frames had arrived when measured)`);

  // 2. REST-driven user events.
  const [owner, friend] = [users[0]!, users[1]!];
  await api.post('/api/contacts', { user_id: friend.id }, { token: owner.token });
  // The nickname carries the request's start time.
  const own = clients(`${wsBase}/ws`, [owner.token, owner.token, owner.token, owner.token], ['data', 'nickname']);
  await own.ready;
  const start2 = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < events) {
        next++;
        await api.put(`/api/contacts/${friend.id}`, { nickname: `${now()}` }, { token: owner.token });
      }
    }),
  );
  const sent2 = now();
  const r2 = await own.finish(events * 4);
  report(`2. REST: ${events} PUT /api/contacts/{id} (16 in flight) to one user with 4 sockets`, r2, start2, events, sent2);

  // 3. Messages sent over REST, delivered as message.new to every member. The content carries
  // the request's start time.
  const group = await api.post('/api/chats', { type: 'group', name: 'bench', members: users.slice(1).map((u) => u.id) }, { token: owner.token });
  const chatId = (group.body as { data: { id: number } }).data.id;
  const room = clients(`${wsBase}/ws`, users.map((u) => u.token), ['data', 'content']);
  await room.ready;
  const start3 = now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (sent < events) {
        sent++;
        await api.post(`/api/chats/${chatId}/messages`, { content: `${now()}` }, { token: owner.token });
      }
    }),
  );
  const sent3 = now();
  const r3 = await room.finish(events * members);
  report(`3. messages: ${events} POST /api/chats/{id}/messages (16 in flight) to a group of ${members} (one socket each)`, r3, start3, events, sent3);
  if (r3.frames < events * members) console.log(`  (only ${r3.frames} of ${events * members} frames had arrived when measured)`);
} finally {
  await server.close();
  await dir.cleanup();
}
