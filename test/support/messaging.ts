import type { TestServer } from './server.ts';
import { okData } from './shapes.ts';
import { registerUser, type TestUser } from './users.ts';

/** Registers `n` users on the server. */
export function users(s: TestServer, n: number): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: n }, () => registerUser(s.api)));
}

export async function createGroup(s: TestServer, owner: TestUser, members: TestUser[], fields: Record<string, unknown> = {}): Promise<any> {
  return okData(await s.api.post('/api/chats', { name: '测试群', type: 'group', members: members.map((m) => m.id), ...fields }, { token: owner.token }));
}

export async function openPrivate(s: TestServer, me: TestUser, other: TestUser): Promise<any> {
  return okData(await s.api.post('/api/chats', { members: [other.id] }, { token: me.token }));
}

export async function send(s: TestServer, user: TestUser, chatId: number, body: Record<string, unknown> | string): Promise<any> {
  const payload = typeof body === 'string' ? { content: body, type: 'text' } : body;
  return okData(await s.api.post(`/api/chats/${chatId}/messages`, payload, { token: user.token }), '消息发送成功');
}

export async function listMessages(s: TestServer, user: TestUser, chatId: number, query = ''): Promise<any> {
  return okData(await s.api.get(`/api/chats/${chatId}/messages${query ? `?${query}` : ''}`, { token: user.token }), '获取消息列表成功');
}

export interface LoggedEvent {
  seq: number;
  type: string;
  audience: string;
  data: any;
}

/** The event log after `seq` (the durable contract the realtime gateway delivers). */
export async function eventsAfter(s: TestServer, seq: number): Promise<LoggedEvent[]> {
  const rows = await s.core.store.db.selectFrom('events').selectAll().where('seq', '>', seq).orderBy('seq').execute();
  return rows.map((r) => ({ seq: r.seq, type: r.type, audience: `${r.audience_kind}:${r.audience_id}`, data: JSON.parse(r.payload) }));
}

export function latestSeq(s: TestServer): Promise<number> {
  return s.core.store.events.latestSeq();
}
