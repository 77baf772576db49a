import { createGroup, openPrivate } from './messaging.ts';
import type { TestServer } from './server.ts';
import { okData } from './shapes.ts';
import type { TestUser } from './users.ts';

/**
 * Chats for realtime tests, changed through the REST chat endpoints, so the events the sockets
 * receive are the ones the conversation service emits (system notices included).
 */

let renames = 0;

/** A group owned by `owner` (or the private chat of `owner` and the one other user); its id. */
export async function createConversation(s: TestServer, owner: TestUser, others: TestUser[], type: 'group' | 'private' = 'group'): Promise<number> {
  const chat = type === 'group' ? await createGroup(s, owner, others) : await openPrivate(s, owner, others[0]!);
  return chat.id as number;
}

export async function addMembers(s: TestServer, chatId: number, by: TestUser, added: TestUser[]): Promise<void> {
  okData(await s.api.post(`/api/chats/${chatId}/members`, { members: added.map((u) => u.id) }, { token: by.token }), '成员添加成功');
}

/** Removes `user` from the group (`by` the owner or an admin; `by` the user themselves to leave). */
export async function removeMember(s: TestServer, chatId: number, by: TestUser, user: TestUser): Promise<void> {
  okData(await s.api.delete(`/api/chats/${chatId}/members/${user.id}`, { token: by.token }));
}

/** Renames the group: one durable conversation-audience event (conversation.updated) and nothing else. */
export async function renameConversation(s: TestServer, chatId: number, by: TestUser): Promise<string> {
  const name = `群 ${++renames}`;
  okData(await s.api.put(`/api/chats/${chatId}`, { name }, { token: by.token }));
  return name;
}
