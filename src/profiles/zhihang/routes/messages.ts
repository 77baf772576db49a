import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import { limits } from '../../../domain/validation.ts';
import { caller } from '../../../http/guard.ts';
import { isoSeconds } from '../../common/time.ts';
import { externalBase } from '../../common/urls.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import { fileLinks, type FileLinks } from '../links.ts';
import * as present from '../messaging-presenters.ts';
import { ChatIdParams, Id, MessageData, MessageIdParams, MessageType as MessageTypeSchema } from '../messaging-schemas.ts';
import { Paging } from '../schemas.ts';
import { SendBody, sendInput, sentMessage } from '../sending.ts';

const ListQuery = Type.Object({
  ...Paging(50, 100),
  before: Type.Optional(Id),
  after: Type.Optional(Id),
  search: Type.Optional(Type.String({ maxLength: limits.messageSearch.maxLength })),
  type: Type.Optional(MessageTypeSchema),
});
const ListData = Type.Object({ messages: Type.Array(MessageData), total: Type.Integer(), has_more: Type.Boolean() });

const EditBody = Type.Object({ content: Type.String({ maxLength: limits.messageContent.maxLength }) });
const DeleteQuery = Type.Object({
  scope: Type.Optional(
    Type.Union([Type.Literal('auto'), Type.Literal('everyone'), Type.Literal('me')], {
      description: 'extension. auto (default): for everyone when allowed (sender, group owner/admin), else hidden for me',
    }),
  ),
});
const SearchQuery = Type.Object({ q: Type.String({ minLength: limits.messageSearch.minLength, maxLength: limits.messageSearch.maxLength }), ...Paging(20, 100) });
const Edit = Type.Object({ content: Type.String({ description: 'the content before this edit' }), edited_by: Type.Integer(), edited_at: Type.String({ format: 'date-time' }) });
const HistoryData = Type.Object({ message: MessageData, edits: Type.Array(Edit) });
const ScheduledData = Type.Object({ messages: Type.Array(MessageData) });
const ScheduledParams = Type.Object({ chat_id: Id, scheduled_id: Id });

export async function messageRoutes(fastify: FastifyInstance, core: Core, filesPath: string): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const messages = core.messages;
  const linksOf = (request: FastifyRequest): FileLinks => fileLinks(externalBase(core.config.publicUrl, request), filesPath);

  app.get(
    '/chats/:chat_id/messages',
    {
      schema: {
        summary: 'Messages of a chat, newest first; before/after are message ids, search a substring, type a message type',
        params: ChatIdParams,
        querystring: ListQuery,
        response: { 200: Envelope(ListData) },
      },
    },
    async (request) => {
      const { limit, offset, before, after, search, type } = request.query;
      const page = await messages.list(
        caller(request).userId,
        request.params.chat_id,
        { before, after, search: search || undefined, type: type === undefined ? undefined : (present.coreType(type)) },
        { limit, offset },
      );
      const links = linksOf(request);
      return ok({ messages: page.items.map((v) => present.message(v, links)), total: page.total, has_more: offset + page.items.length < page.total }, '获取消息列表成功');
    },
  );

  app.post(
    '/chats/:chat_id/messages',
    {
      config: { rateClass: 'send' },
      schema: {
        summary: 'Send a message (now, or at send_at); the same client_id twice returns the first message',
        params: ChatIdParams,
        body: SendBody,
        response: { 200: Envelope(MessageData) },
      },
    },
    async (request) => {
      const result = await messages.send(caller(request).userId, request.params.chat_id, sendInput(request.body));
      return ok(sentMessage(result, linksOf(request)), '消息发送成功');
    },
  );

  app.get(
    '/chats/:chat_id/scheduled',
    { schema: { summary: 'My scheduled messages in a chat, soonest first (extension)', params: ChatIdParams, response: { 200: Envelope(ScheduledData) } } },
    async (request) => {
      const { scheduled, sender } = await messages.pendingScheduled(caller(request).userId, request.params.chat_id);
      const links = linksOf(request);
      return ok({ messages: scheduled.map((s) => present.scheduled(s, sender, links)) }, '获取定时消息成功');
    },
  );

  app.delete(
    '/chats/:chat_id/scheduled/:scheduled_id',
    { schema: { summary: 'Cancel a scheduled message of mine (extension)', params: ScheduledParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      await messages.cancelScheduled(caller(request).userId, request.params.chat_id, request.params.scheduled_id);
      return ok({}, '定时消息已取消');
    },
  );

  app.get(
    '/messages/search',
    { schema: { summary: 'Search messages across all my chats, newest first (extension)', querystring: SearchQuery, response: { 200: Envelope(ListData) } } },
    async (request) => {
      const { q, limit, offset } = request.query;
      const page = await messages.search(caller(request).userId, q, { limit, offset });
      const links = linksOf(request);
      return ok({ messages: page.items.map((v) => present.message(v, links)), total: page.total, has_more: offset + page.items.length < page.total }, '搜索成功');
    },
  );

  app.get(
    '/messages/:message_id',
    { schema: { summary: 'One message (extension)', params: MessageIdParams, response: { 200: Envelope(MessageData) } } },
    async (request) => ok(present.message(await messages.get(caller(request).userId, request.params.message_id), linksOf(request)), '获取消息成功'),
  );

  app.put(
    '/messages/:message_id',
    { schema: { summary: 'Edit my message (the previous content goes to its history)', params: MessageIdParams, body: EditBody, response: { 200: Envelope(MessageData) } } },
    async (request) => {
      const view = await messages.edit(caller(request).userId, request.params.message_id, request.body.content);
      return ok(present.message(view, linksOf(request)), '消息编辑成功');
    },
  );

  app.get(
    '/messages/:message_id/history',
    { schema: { summary: 'Edit history of a message, oldest first (extension)', params: MessageIdParams, response: { 200: Envelope(HistoryData) } } },
    async (request) => {
      const { view, edits } = await messages.history(caller(request).userId, request.params.message_id);
      return ok(
        {
          message: present.message(view, linksOf(request)),
          edits: edits.map((e) => ({ content: e.content, edited_by: e.editedBy, edited_at: isoSeconds(e.editedAt) })),
        },
        '获取编辑历史成功',
      );
    },
  );

  app.delete(
    '/messages/:message_id',
    {
      schema: {
        summary: "Delete a message: for everyone by its sender or a group owner/admin; anyone else's delete hides it for them only",
        params: MessageIdParams,
        querystring: DeleteQuery,
        response: { 200: Envelope(Empty) },
      },
    },
    async (request) => {
      await messages.delete(caller(request).userId, request.params.message_id, request.query.scope ?? 'auto');
      return ok({}, '消息删除成功');
    },
  );

  app.post(
    '/messages/:message_id/recall',
    { schema: { summary: 'Recall my message within the recall window (extension)', params: MessageIdParams, response: { 200: Envelope(MessageData) } } },
    async (request) => ok(present.message(await messages.recall(caller(request).userId, request.params.message_id), linksOf(request)), '消息已撤回'),
  );

  app.post(
    '/messages/:message_id/read',
    { schema: { summary: 'Mark read up to this message', params: MessageIdParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      await messages.markRead(caller(request).userId, request.params.message_id);
      return ok({}, '消息已标记为已读');
    },
  );

  app.post(
    '/messages/:message_id/pin',
    { schema: { summary: 'Pin a message', params: MessageIdParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      await messages.setPinned(caller(request).userId, request.params.message_id, true);
      return ok({}, '消息已置顶');
    },
  );

  app.delete(
    '/messages/:message_id/pin',
    { schema: { summary: 'Unpin a message', params: MessageIdParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      await messages.setPinned(caller(request).userId, request.params.message_id, false);
      return ok({}, '消息已取消置顶');
    },
  );
}
