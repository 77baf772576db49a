import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { pagePaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { messageId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Message, MessageType, SentMessage } from '../schemas.ts';

/** 消息接口: /api/v1/messages*. A pair's messages live in their one private chat. */

const historyPaging = pagePaging(50, 100);
const HistoryData = Type.Object({ messages: Type.Array(Message), ...historyPaging.result });
const SendBody = Type.Object({
  receiver_id: IdValue,
  content: field.messageContent,
  message_type: Type.Optional(MessageType),
  is_encrypted: Type.Optional(Type.Boolean()),
});

export const messageRoutes = [
  route.get(
    '/api/v1/messages/{friend_id}',
    { summary: 'Messages between me and a user, newest first', params: { friend_id: userId }, paging: historyPaging, data: HistoryData, message: '获取聊天记录成功' },
    async (c) => {
      const other = c.params.friend_id;
      const page = await c.services.messages.listWith(c.me, other, c.page);
      return { messages: page.items.map((v) => present.message(v, c.me, other)), ...c.paged(page) };
    },
  ),

  route.post('/api/v1/messages', { rate: 'send', summary: 'Send a message to a user', body: SendBody, data: SentMessage, message: '消息发送成功' }, async (c) => {
    const b = c.body;
    const type = b.message_type ?? 'text';
    // Media travel as a link (or its ciphertext) in `content`, uploaded beforehand.
    const input = { type, content: b.content, isEncrypted: b.is_encrypted ?? false, linkInContent: type !== 'text' };
    const result = await c.services.messages.sendTo(c.me, b.receiver_id, input);
    if (result.kind !== 'sent') throw new Error('a send without sendAt is never scheduled');
    return present.sent(result.view, c.me, b.receiver_id);
  }),

  route.put(
    '/api/v1/messages/{message_id}/read',
    { summary: 'Mark a message I received as read', params: { message_id: messageId }, message: '消息已标记为已读' },
    async (c) => {
      await c.services.messages.markReceivedRead(c.me, c.params.message_id);
    },
  ),

  route.delete('/api/v1/messages/{message_id}', { summary: 'Delete a message (the sender: for both; the receiver: for me)', params: { message_id: messageId }, message: '消息已删除' }, async (c) => {
    await c.services.messages.deleteAsParty(c.me, c.params.message_id);
  }),
];
