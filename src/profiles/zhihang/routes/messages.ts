import { Type } from 'typebox';
import { limits } from '../../../domain/validation.ts';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { offsetPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { isoSeconds } from '../../kit/time.ts';
import { chatId, messageId, scheduledId } from '../ids.ts';
import * as present from '../messaging-presenters.ts';
import { MessageData, MessageType } from '../messaging-schemas.ts';
import { SendBody, sendInput, sentMessage } from '../sending.ts';

/** 消息管理: /api/chats/{chat_id}/messages and /api/messages/*. */

const listPaging = offsetPaging(50, 100);
const ListQuery = Type.Object({
  before: Type.Optional(IdValue),
  after: Type.Optional(IdValue),
  search: Type.Optional(Type.String({ maxLength: limits.messageSearch.maxLength })),
  type: Type.Optional(MessageType),
});
const ListData = Type.Object({ messages: Type.Array(MessageData), ...listPaging.result });

const searchPaging = offsetPaging(20, 100);
const SearchQuery = Type.Object({ q: field.messageSearch });
const EditBody = Type.Object({ content: field.messageContent });
const DeleteQuery = Type.Object({
  scope: Type.Optional(
    Type.Union([Type.Literal('auto'), Type.Literal('everyone'), Type.Literal('me')], {
      description: 'extension. auto (default): for everyone when allowed (sender, group owner/admin), else hidden for me',
    }),
  ),
});
const Edit = Type.Object({ content: Type.String({ description: 'the content before this edit' }), edited_by: Type.Integer(), edited_at: Type.String({ format: 'date-time' }) });
const HistoryData = Type.Object({ message: MessageData, edits: Type.Array(Edit) });
const ScheduledData = Type.Object({ messages: Type.Array(MessageData) });

const chat = { chat_id: chatId };
const message = { message_id: messageId };

export const messageRoutes = [
  route.get(
    '/api/chats/{chat_id}/messages',
    {
      summary: 'Messages of a chat, newest first; before/after are message ids, search a substring, type a message type',
      params: chat,
      query: ListQuery,
      paging: listPaging,
      data: ListData,
      message: '获取消息列表成功',
    },
    async (c) => {
      const { before, after, search, type } = c.query;
      const filter = { before, after, search: search || undefined, type: type === undefined ? undefined : present.coreType(type) };
      const page = await c.services.messages.list(c.me, c.params.chat_id, filter, c.page);
      return { messages: page.items.map((v) => present.message(v, c.links)), ...c.paged(page) };
    },
  ),

  route.post(
    '/api/chats/{chat_id}/messages',
    { rate: 'send', summary: 'Send a message (now, or at send_at); the same client_id twice returns the first message', params: chat, body: SendBody, data: MessageData, message: '消息发送成功' },
    async (c) => sentMessage(await c.services.messages.send(c.me, c.params.chat_id, sendInput(c.body)), c.links),
  ),

  route.get(
    '/api/chats/{chat_id}/scheduled',
    { summary: 'My scheduled messages in a chat, soonest first (extension)', params: chat, data: ScheduledData, message: '获取定时消息成功' },
    async (c) => {
      const { scheduled, sender } = await c.services.messages.pendingScheduled(c.me, c.params.chat_id);
      return { messages: scheduled.map((s) => present.scheduled(s, sender, c.links)) };
    },
  ),

  route.delete(
    '/api/chats/{chat_id}/scheduled/{scheduled_id}',
    { summary: 'Cancel a scheduled message of mine (extension)', params: { ...chat, scheduled_id: scheduledId }, message: '定时消息已取消' },
    async (c) => {
      await c.services.messages.cancelScheduled(c.me, c.params.chat_id, c.params.scheduled_id);
    },
  ),

  route.get(
    '/api/messages/search',
    { summary: 'Search messages across all my chats, newest first (extension)', query: SearchQuery, paging: searchPaging, data: ListData, message: '搜索成功' },
    async (c) => {
      const page = await c.services.messages.search(c.me, c.query.q, c.page);
      return { messages: page.items.map((v) => present.message(v, c.links)), ...c.paged(page) };
    },
  ),

  route.get('/api/messages/{message_id}', { summary: 'One message (extension)', params: message, data: MessageData, message: '获取消息成功' }, async (c) =>
    present.message(await c.services.messages.get(c.me, c.params.message_id), c.links),
  ),

  route.put(
    '/api/messages/{message_id}',
    { summary: 'Edit my message (the previous content goes to its history)', params: message, body: EditBody, data: MessageData, message: '消息编辑成功' },
    async (c) => present.message(await c.services.messages.edit(c.me, c.params.message_id, c.body.content), c.links),
  ),

  route.get(
    '/api/messages/{message_id}/history',
    { summary: 'Edit history of a message, oldest first (extension)', params: message, data: HistoryData, message: '获取编辑历史成功' },
    async (c) => {
      const { view, edits } = await c.services.messages.history(c.me, c.params.message_id);
      return {
        message: present.message(view, c.links),
        edits: edits.map((e) => ({ content: e.content, edited_by: e.editedBy, edited_at: isoSeconds(e.editedAt) })),
      };
    },
  ),

  route.delete(
    '/api/messages/{message_id}',
    {
      summary: "Delete a message: for everyone by its sender or a group owner/admin; anyone else's delete hides it for them only",
      params: message,
      query: DeleteQuery,
      message: '消息删除成功',
    },
    async (c) => {
      await c.services.messages.delete(c.me, c.params.message_id, c.query.scope ?? 'auto');
    },
  ),

  route.post(
    '/api/messages/{message_id}/recall',
    { summary: 'Recall my message within the recall window (extension)', params: message, data: MessageData, message: '消息已撤回' },
    async (c) => present.message(await c.services.messages.recall(c.me, c.params.message_id), c.links),
  ),

  route.post('/api/messages/{message_id}/read', { summary: 'Mark read up to this message', params: message, message: '消息已标记为已读' }, async (c) => {
    await c.services.messages.markRead(c.me, c.params.message_id);
  }),

  route.post('/api/messages/{message_id}/pin', { summary: 'Pin a message', params: message, message: '消息已置顶' }, async (c) => {
    await c.services.messages.setPinned(c.me, c.params.message_id, true);
  }),

  route.delete('/api/messages/{message_id}/pin', { summary: 'Unpin a message', params: message, message: '消息已取消置顶' }, async (c) => {
    await c.services.messages.setPinned(c.me, c.params.message_id, false);
  }),
];
