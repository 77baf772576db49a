import { Type } from 'typebox';
import type { Message as CoreMessage } from '../../../domain/types.ts';
import { route, type Context } from '../../kit/route.ts';
import { chatId, messageId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Message } from '../schemas.ts';
import { SendBody, sendInput } from '../sending.ts';

/** 消息接口: /v1/messages. */

const ListQuery = Type.Object({
  chatId: Type.String(),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
});
const ListData = Type.Object({ messages: Type.Array(Message) });
const ReadBody = Type.Object({ messageIds: Type.Array(Type.String(), { minItems: 1, maxItems: 500 }) });
const message = { messageId };

/** Messages with who has read them, as this API shows them everywhere. */
export async function shown(c: Pick<Context, 'services'>, messages: readonly CoreMessage[]) {
  const readers = await c.services.messages.readers(messages);
  return messages.map((m) => present.message(m, readers.get(m.id) ?? []));
}

export const messageRoutes = [
  route.post(
    '/v1/messages',
    {
      rate: 'send',
      summary: 'Send a message; the same metadata.clientId from the same sender answers the first message again',
      description: 'metadata.fileId carries an uploaded file the sender may read; without it, a non-text message carries its link in content.',
      body: SendBody,
      data: Message,
      status: 201,
    },
    async (c) => {
      const { conversationId, input } = sendInput(c.body);
      const result = await c.services.messages.send(c.me, conversationId, input);
      if (result.kind !== 'sent') throw new Error('a send without sendAt is never scheduled');
      return (await shown(c, [result.view.message]))[0]!;
    },
  ),

  route.get(
    '/v1/messages',
    {
      summary: "A chat's messages, newest first; before/after page from a message id",
      description: 'after=X gives the limit messages right after X (still newest first), so paging forward leaves no gap.',
      query: ListQuery,
      data: ListData,
    },
    async (c) => {
      const q = c.query;
      const cursors = {
        ...(q.before !== undefined && { before: messageId.decode(q.before, 'before') }),
        ...(q.after !== undefined && { after: messageId.decode(q.after, 'after') }),
      };
      const page = await c.services.messages.listSeen(c.me, chatId.decode(q.chatId, 'chatId'), cursors, { limit: q.limit, offset: 0 });
      return { messages: await shown(c, page.items.map((v) => v.message)) };
    },
  ),

  route.put('/v1/messages/read', { summary: 'Mark every listed message read, all or nothing', body: ReadBody }, async (c) => {
    await c.services.messages.markReadMany(
      c.me,
      c.body.messageIds.map((id) => messageId.decode(id, 'messageIds')),
    );
  }),

  route.put('/v1/messages/{messageId}/read', { summary: 'Mark one message read (and the earlier ones of its chat)', params: message }, async (c) => {
    await c.services.messages.markRead(c.me, c.params.messageId);
  }),
];
