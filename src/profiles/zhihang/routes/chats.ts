import { Type } from 'typebox';
import { limits } from '../../../domain/validation.ts';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { offsetPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { chatId, userId } from '../ids.ts';
import * as present from '../messaging-presenters.ts';
import { ChatData, ChatDetail } from '../messaging-schemas.ts';

/** 聊天管理: /api/chats. Group administration, members and my settings are extensions. */

const listPaging = offsetPaging(50, 200);
const ListData = Type.Object({ chats: Type.Array(ChatData), ...listPaging.result });

const announcement = Type.String({ ...field.announcement, description: 'extension' });
const Members = Type.Array(IdValue, { maxItems: limits.membersPerRequest.maxItems, description: 'user ids' });

const CreateBody = Type.Object({
  name: Type.Optional(field.chatName),
  description: Type.Optional(field.chatDescription),
  avatar: Type.Optional(field.avatar),
  announcement: Type.Optional(announcement),
  type: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('group')], { description: 'default: private for one member without a name, else group' })),
  members: Type.Optional(Members),
});
const UpdateBody = Type.Object(
  {
    name: Type.Optional(field.chatName),
    description: Type.Optional(field.chatDescription),
    avatar: Type.Optional(field.avatar),
    announcement: Type.Optional(announcement),
  },
  { minProperties: 1 },
);
const AddMembersBody = Type.Object({ members: Type.Array(IdValue, { minItems: 1, maxItems: limits.membersPerRequest.maxItems }) });
const RoleBody = Type.Object({
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')], { description: 'owner transfers ownership' }),
});
const SettingsBody = Type.Object({ is_pinned: Type.Optional(Type.Boolean()), is_muted: Type.Optional(Type.Boolean()) }, { minProperties: 1 });

const chat = { chat_id: chatId };
const member = { chat_id: chatId, user_id: userId };

export const chatRoutes = [
  route.get('/api/chats', { summary: 'My chats: pinned first, then by last activity', paging: listPaging, data: ListData, message: '获取聊天列表成功' }, async (c) => {
    const page = await c.services.conversations.list(c.me, c.page);
    return { chats: page.items.map(present.chat), ...c.paged(page) };
  }),

  route.post(
    '/api/chats',
    { summary: 'Create a group, or open the private chat with one user (the existing one when there is one)', body: CreateBody, data: ChatDetail, message: '聊天创建成功' },
    async (c) => present.chatDetail(await c.services.conversations.create(c.me, { ...c.body, members: c.body.members ?? [] })),
  ),

  route.get('/api/chats/{chat_id}', { summary: 'A chat with its members', params: chat, data: ChatDetail, message: '获取聊天详情成功' }, async (c) =>
    present.chatDetail(await c.services.conversations.detail(c.me, c.params.chat_id)),
  ),

  route.put(
    '/api/chats/{chat_id}',
    { summary: 'Change a group’s name, description, avatar or announcement (owner or admin; extension)', params: chat, body: UpdateBody, data: ChatDetail, message: '聊天更新成功' },
    async (c) => present.chatDetail(await c.services.conversations.update(c.me, c.params.chat_id, c.body)),
  ),

  route.post(
    '/api/chats/{chat_id}/members',
    { summary: 'Add members to a group (owner or admin; extension)', params: chat, body: AddMembersBody, data: ChatDetail, message: '成员添加成功' },
    async (c) => present.chatDetail(await c.services.conversations.addMembers(c.me, c.params.chat_id, c.body.members)),
  ),

  route.delete(
    '/api/chats/{chat_id}/members/{user_id}',
    {
      summary: 'Leave a group (your own user id) or remove a member (owner, or admin for plain members; extension)',
      params: member,
      message: (c) => (c.params.user_id === c.me ? '已退出聊天' : '成员已移除'),
    },
    async (c) => {
      await c.services.conversations.removeMember(c.me, c.params.chat_id, c.params.user_id);
    },
  ),

  route.put(
    '/api/chats/{chat_id}/members/{user_id}',
    { summary: "Change a member's role (owner only); role owner transfers ownership (extension)", params: member, body: RoleBody, data: ChatDetail, message: '成员角色更新成功' },
    async (c) => present.chatDetail(await c.services.conversations.setRole(c.me, c.params.chat_id, c.params.user_id, c.body.role)),
  ),

  route.put(
    '/api/chats/{chat_id}/settings',
    { summary: 'My pin and mute flags for a chat (extension)', params: chat, body: SettingsBody, data: ChatDetail, message: '聊天设置更新成功' },
    async (c) => present.chatDetail(await c.services.conversations.updateSettings(c.me, c.params.chat_id, { isPinned: c.body.is_pinned, isMuted: c.body.is_muted })),
  ),
];
