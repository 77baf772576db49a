import { Type } from 'typebox';
import { limits } from '../../../domain/validation.ts';
import type { AdminService } from '../../../services/admin.ts';
import { field } from '../../kit/fields.ts';
import { offsetPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import type { Services } from '../../kit/services.ts';
import * as present from '../admin.ts';
import { ActivityData, MessageReportData, AdminUserData, AdminUserDetailData, ChatReportData, DisabledData, PasswordResetData, SessionsEnded, StatsData, UserDeletionData } from '../admin.ts';
import { chatId, messageId, userId } from '../ids.ts';

/**
 * 服务器管理 (extension): `/api/admin/…`, for server administrators only. The flag is read from
 * the database at every request, so granting or revoking it takes effect at once; anyone else
 * gets 403, an anonymous caller 401. The rules are the admin service's; this is their mapping.
 */

const tags = ['admin'];
const user = { user_id: userId };

/** The admin service, once the caller has been checked to be an administrator. */
async function asAdmin(c: { me: number; services: Services }): Promise<AdminService> {
  await c.services.admin.requireAdmin(c.me);
  return c.services.admin;
}

const listPaging = offsetPaging(20, 100);
const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: limits.searchQuery.maxLength, description: 'part of the nickname, username, email or phone' })),
  disabled: Type.Optional(Type.Boolean({ description: 'only disabled (true) or enabled (false) accounts' })),
  admin: Type.Optional(Type.Boolean({ description: 'only administrators (true) or the others (false)' })),
});
const ListData = Type.Object({ users: Type.Array(AdminUserData), ...listPaging.result });
const SeriesQuery = Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168, description: 'how many hours back, the current one included (default 24)' })) });
const ResetBody = Type.Object({ password: Type.Optional(field.password) });
const deletionText =
  'Removes the account with its private chats, every message it sent (members are told each is deleted), its places in groups ' +
  '(an owned group passes to its longest-standing admin, else member), contacts both ways, sessions (sockets close on every node) and uploads.';

export const adminRoutes = [
  route.get('/api/admin/stats', { summary: 'Server statistics (admin)', data: StatsData, message: '获取统计成功', tags }, async (c) =>
    present.stats(await (await asAdmin(c)).stats()),
  ),

  route.get(
    '/api/admin/stats/series',
    {
      summary: 'Activity over time: messages and sign-ins per hour, and this node\'s connections per minute (admin)',
      query: SeriesQuery,
      data: ActivityData,
      message: '获取统计成功',
      tags,
    },
    async (c) => present.activity(await (await asAdmin(c)).activity(c.query.hours)),
  ),

  route.get(
    '/api/admin/users',
    { summary: 'List users, searchable and filtered (admin)', query: ListQuery, paging: listPaging, data: ListData, message: '获取用户列表成功', tags },
    async (c) => {
      const page = await (await asAdmin(c)).listUsers({ query: c.query.q, disabled: c.query.disabled, admin: c.query.admin }, c.page);
      return { users: page.items.map(present.adminUser), ...c.paged(page) };
    },
  ),

  route.get('/api/admin/users/{user_id}', { summary: 'A user with sessions and chats (admin)', params: user, data: AdminUserDetailData, message: '获取用户信息成功', tags }, async (c) =>
    present.adminUserDetail(await (await asAdmin(c)).showUser(c.params.user_id)),
  ),

  route.delete(
    '/api/admin/users/{user_id}',
    { summary: 'Delete a user for real, with what is theirs (admin; not oneself)', description: deletionText, params: user, data: UserDeletionData, message: '用户已删除', tags },
    async (c) => present.userDeletion(await (await asAdmin(c)).deleteUser(c.me, c.params.user_id)),
  ),

  route.post(
    '/api/admin/users/{user_id}/disable',
    { summary: 'Disable a user: no logins, every session ended, sockets closed on every node (admin; not oneself)', params: user, data: DisabledData, message: '用户已禁用', tags },
    async (c) => {
      const { user: u, sessionsEnded } = await (await asAdmin(c)).disable(c.me, c.params.user_id);
      return { user: present.adminUser(u), sessions_ended: sessionsEnded };
    },
  ),

  route.post('/api/admin/users/{user_id}/enable', { summary: 'Let a disabled user log in again (admin)', params: user, data: AdminUserData, message: '用户已启用', tags }, async (c) =>
    present.adminUser(await (await asAdmin(c)).enable(c.params.user_id)),
  ),

  route.post(
    '/api/admin/users/{user_id}/reset-password',
    {
      summary: "Set a user's password, or generate one (returned once); every session of the user ends (admin)",
      params: user,
      body: ResetBody,
      data: PasswordResetData,
      message: '密码已重置',
      tags,
    },
    async (c) => {
      const { password, sessionsEnded } = await (await asAdmin(c)).resetPassword(c.params.user_id, c.body?.password);
      return { password, sessions_ended: sessionsEnded };
    },
  ),

  route.post(
    '/api/admin/users/{user_id}/revoke-sessions',
    { summary: 'End every session of a user and close their sockets on every node; they may log in again (admin)', params: user, data: SessionsEnded, message: '会话已结束', tags },
    async (c) => ({ sessions_ended: (await (await asAdmin(c)).revokeSessions(c.params.user_id)).sessionsEnded }),
  ),

  route.put('/api/admin/users/{user_id}/admin', { summary: 'Make a user a server administrator (admin)', params: user, data: AdminUserData, message: '已设为管理员', tags }, async (c) =>
    present.adminUser(await (await asAdmin(c)).setAdmin(c.me, c.params.user_id, true)),
  ),

  route.delete(
    '/api/admin/users/{user_id}/admin',
    { summary: "Revoke a user's administrator role (admin; not one's own)", params: user, data: AdminUserData, message: '已取消管理员', tags },
    async (c) => present.adminUser(await (await asAdmin(c)).setAdmin(c.me, c.params.user_id, false)),
  ),

  route.get(
    '/api/admin/messages/{message_id}',
    { summary: 'Any message with its sender, deleted ones included (admin)', params: { message_id: messageId }, data: MessageReportData, message: '获取消息成功', tags },
    async (c) => present.messageReport(await (await asAdmin(c)).showMessage(c.params.message_id)),
  ),

  route.delete(
    '/api/admin/messages/{message_id}',
    { summary: "Delete any message for real; its chat's members are told (admin)", params: { message_id: messageId }, message: '消息已删除', tags },
    async (c) => {
      await (await asAdmin(c)).deleteMessage(c.me, c.params.message_id);
    },
  ),

  route.get('/api/admin/chats/{chat_id}', { summary: 'A chat with its members, roles and message count (admin)', params: { chat_id: chatId }, data: ChatReportData, message: '获取聊天成功', tags }, async (c) =>
    present.chatReport(await (await asAdmin(c)).showConversation(c.params.chat_id)),
  ),

  route.delete(
    '/api/admin/chats/{chat_id}',
    { summary: 'Delete a chat with its messages; every member is told (admin)', params: { chat_id: chatId }, data: Type.Object({ members: Type.Integer() }), message: '聊天已删除', tags },
    async (c) => (await asAdmin(c)).deleteConversation(c.me, c.params.chat_id),
  ),
];
