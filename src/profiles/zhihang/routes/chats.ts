import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import { limits } from '../../../domain/validation.ts';
import { caller } from '../../../http/guard.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import * as present from '../messaging-presenters.ts';
import { ChatData, ChatDetail, ChatIdParams, ChatMemberParams, Id } from '../messaging-schemas.ts';
import { field, Paging } from '../schemas.ts';

const ListQuery = Type.Object(Paging(50, 200));
const ListData = Type.Object({ chats: Type.Array(ChatData), total: Type.Integer(), has_more: Type.Boolean() });

const chatFields = {
  name: Type.String({ minLength: limits.chatName.minLength, maxLength: limits.chatName.maxLength }),
  description: Type.String({ maxLength: limits.chatDescription.maxLength }),
  avatar: field.avatar,
  announcement: Type.String({ maxLength: limits.announcement.maxLength, description: 'extension' }),
};
const Members = Type.Array(Id, { maxItems: limits.membersPerRequest.maxItems, description: 'user ids' });

const CreateBody = Type.Object({
  name: Type.Optional(chatFields.name),
  description: Type.Optional(chatFields.description),
  avatar: Type.Optional(chatFields.avatar),
  announcement: Type.Optional(chatFields.announcement),
  type: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('group')], { description: 'default: private for one member without a name, else group' })),
  members: Type.Optional(Members),
});
const UpdateBody = Type.Object(
  {
    name: Type.Optional(chatFields.name),
    description: Type.Optional(chatFields.description),
    avatar: Type.Optional(chatFields.avatar),
    announcement: Type.Optional(chatFields.announcement),
  },
  { minProperties: 1 },
);
const AddMembersBody = Type.Object({ members: Type.Array(Id, { minItems: 1, maxItems: limits.membersPerRequest.maxItems }) });
const RoleBody = Type.Object({
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')], { description: 'owner transfers ownership' }),
});
const SettingsBody = Type.Object({ is_pinned: Type.Optional(Type.Boolean()), is_muted: Type.Optional(Type.Boolean()) }, { minProperties: 1 });

export async function chatRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const conversations = core.conversations;

  app.get(
    '/',
    { schema: { summary: 'My chats: pinned first, then by last activity', querystring: ListQuery, response: { 200: Envelope(ListData) } } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await conversations.list(caller(request).userId, { limit, offset });
      return ok({ chats: page.items.map(present.chat), total: page.total, has_more: offset + page.items.length < page.total }, '获取聊天列表成功');
    },
  );

  app.post(
    '/',
    {
      schema: {
        summary: 'Create a group, or open the private chat with one user (the existing one when there is one)',
        body: CreateBody,
        response: { 200: Envelope(ChatDetail) },
      },
    },
    async (request) => {
      const b = request.body;
      const detail = await conversations.create(caller(request).userId, {
        type: b.type,
        name: b.name,
        description: b.description,
        avatar: b.avatar,
        announcement: b.announcement,
        members: b.members ?? [],
      });
      return ok(present.chatDetail(detail), '聊天创建成功');
    },
  );

  app.get(
    '/:chat_id',
    { schema: { summary: 'A chat with its members', params: ChatIdParams, response: { 200: Envelope(ChatDetail) } } },
    async (request) => ok(present.chatDetail(await conversations.detail(caller(request).userId, request.params.chat_id)), '获取聊天详情成功'),
  );

  app.put(
    '/:chat_id',
    {
      schema: { summary: 'Change a group’s name, description, avatar or announcement (owner or admin; extension)', params: ChatIdParams, body: UpdateBody, response: { 200: Envelope(ChatDetail) } },
    },
    async (request) => {
      const detail = await conversations.update(caller(request).userId, request.params.chat_id, request.body);
      return ok(present.chatDetail(detail), '聊天更新成功');
    },
  );

  app.post(
    '/:chat_id/members',
    { schema: { summary: 'Add members to a group (owner or admin; extension)', params: ChatIdParams, body: AddMembersBody, response: { 200: Envelope(ChatDetail) } } },
    async (request) => {
      const detail = await conversations.addMembers(caller(request).userId, request.params.chat_id, request.body.members);
      return ok(present.chatDetail(detail), '成员添加成功');
    },
  );

  app.delete(
    '/:chat_id/members/:user_id',
    {
      schema: {
        summary: 'Leave a group (your own user id) or remove a member (owner, or admin for plain members; extension)',
        params: ChatMemberParams,
        response: { 200: Envelope(Empty) },
      },
    },
    async (request) => {
      const me = caller(request).userId;
      const { chat_id, user_id } = request.params;
      await conversations.removeMember(me, chat_id, user_id);
      return ok({}, user_id === me ? '已退出聊天' : '成员已移除');
    },
  );

  app.put(
    '/:chat_id/members/:user_id',
    {
      schema: {
        summary: "Change a member's role (owner only); role owner transfers ownership (extension)",
        params: ChatMemberParams,
        body: RoleBody,
        response: { 200: Envelope(ChatDetail) },
      },
    },
    async (request) => {
      const { chat_id, user_id } = request.params;
      const detail = await conversations.setRole(caller(request).userId, chat_id, user_id, request.body.role);
      return ok(present.chatDetail(detail), '成员角色更新成功');
    },
  );

  app.put(
    '/:chat_id/settings',
    { schema: { summary: 'My pin and mute flags for a chat (extension)', params: ChatIdParams, body: SettingsBody, response: { 200: Envelope(ChatDetail) } } },
    async (request) => {
      const b = request.body;
      const detail = await conversations.updateSettings(caller(request).userId, request.params.chat_id, { isPinned: b.is_pinned, isMuted: b.is_muted });
      return ok(present.chatDetail(detail), '聊天设置更新成功');
    },
  );
}
