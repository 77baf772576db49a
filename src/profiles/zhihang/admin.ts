import { Type, type Static } from 'typebox';
import type { ActivitySeries, AdminUser, AdminUserDetail, ConversationReport, MessageReport, ServerStats, UserDeletion } from '../../services/admin.ts';
import { Nullable, Time } from '../kit/fields.ts';
import { isoSeconds, isoSecondsOrNull } from '../kit/time.ts';
import { chatInfo, typeName } from './messaging-presenters.ts';
import { ChatMember } from './messaging-schemas.ts';

/**
 * Shapes of the admin API (`/api/admin/…`, an extension of the document), in the document's
 * snake_case and times. Unlike the user-facing shapes, absent values are null, not ''.
 */

const NullableTime = Nullable(Time);

export const AdminUserData = Type.Object({
  id: Type.Integer(),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
  username: Nullable(Type.String()),
  nickname: Type.String(),
  avatar: Type.String(),
  status: Type.String(),
  is_admin: Type.Boolean(),
  is_disabled: Type.Boolean(),
  department_id: Nullable(Type.Integer()),
  position: Type.String(),
  created_at: Time,
  updated_at: Time,
  last_login_at: NullableTime,
  last_seen: NullableTime,
});

export const AdminUserDetailData = Type.Object({
  ...AdminUserData.properties,
  live_sessions: Type.Integer({ description: 'sessions not logged out, revoked or expired' }),
  chats_count: Type.Integer(),
});

export const SessionsEnded = Type.Object({ sessions_ended: Type.Integer() });

export const DisabledData = Type.Object({ user: AdminUserData, ...SessionsEnded.properties });

export const PasswordResetData = Type.Object({
  password: Nullable(Type.String({ description: 'the generated password, shown this once; null when the request chose it' })),
  ...SessionsEnded.properties,
});

export const UserDeletionData = Type.Object({
  user_id: Type.Integer(),
  sessions_ended: Type.Integer(),
  messages_deleted: Type.Integer(),
  chats_deleted: Type.Integer({ description: 'private chats, deleted whole, and groups no one was left in' }),
  groups_left: Type.Integer(),
  files_deleted: Type.Integer(),
});

export const ChatReportData = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  avatar: Type.String(),
  type: Type.String({ description: 'private or group' }),
  is_active: Type.Boolean(),
  created_at: Time,
  updated_at: Time,
  announcement: Type.String(),
  owner_id: Nullable(Type.Integer()),
  members_count: Type.Integer(),
  members: Type.Array(ChatMember),
  messages_count: Type.Integer({ description: 'messages not deleted' }),
  last_activity_at: Time,
});

export const StatsData = Type.Object({
  users: Type.Object({ total: Type.Integer(), disabled: Type.Integer(), admins: Type.Integer() }),
  chats: Type.Object({ private: Type.Integer(), group: Type.Integer() }),
  messages: Type.Object({ total: Type.Integer(), last_24h: Type.Integer() }),
  live_sessions: Type.Integer(),
  sockets_on_this_node: Nullable(Type.Integer()),
  files: Type.Object({ count: Type.Integer(), bytes: Type.Integer() }),
  database: Type.String({ description: 'sqlite or postgres' }),
  node_id: Type.String(),
  uptime_seconds: Type.Integer(),
  version: Type.String(),
});

export const MessageReportData = Type.Object({
  id: Type.Integer(),
  chat_id: Type.Integer(),
  sender_id: Nullable(Type.Integer()),
  sender_nickname: Nullable(Type.String({ description: 'null when the sender is gone' })),
  type: Type.String(),
  content: Type.String({ description: 'as stored: ciphertext for an end-to-end encrypted message' }),
  caption: Type.String(),
  is_encrypted: Type.Boolean(),
  created_at: Time,
  edited_at: NullableTime,
  recalled_at: NullableTime,
  deleted_at: NullableTime,
});

export const ActivityData = Type.Object({
  hours: Type.Array(
    Type.Object({
      at: Time,
      messages: Type.Integer({ description: 'messages sent in the hour starting at `at`, not deleted since' }),
      sign_ins: Type.Integer({ description: 'sessions started (logins, registrations) in that hour' }),
    }),
    { description: 'oldest first, one per hour, the current hour last' },
  ),
  connections: Type.Array(Type.Object({ at: Time, count: Type.Integer({ description: 'WebSocket connections open on this node: the highest of the readings taken in that minute (every 15 s)' }) }), {
    description: 'minute by minute, as far back as this node has run (in memory: a restart starts afresh); minutes without a reading are left out',
  }),
});

export function adminUser({ user: u, isAdmin }: AdminUser): Static<typeof AdminUserData> {
  return {
    id: u.id,
    phone: u.phone,
    email: u.email,
    username: u.username,
    nickname: u.nickname,
    avatar: u.avatar,
    status: u.status,
    is_admin: isAdmin,
    is_disabled: u.isDisabled,
    department_id: u.departmentId,
    position: u.position,
    created_at: isoSeconds(u.createdAt),
    updated_at: isoSeconds(u.updatedAt),
    last_login_at: isoSecondsOrNull(u.lastLoginAt),
    last_seen: isoSecondsOrNull(u.lastSeenAt),
  };
}

export function adminUserDetail(d: AdminUserDetail): Static<typeof AdminUserDetailData> {
  return { ...adminUser(d), live_sessions: d.liveSessions, chats_count: d.conversations };
}

export function userDeletion(d: UserDeletion): Static<typeof UserDeletionData> {
  return {
    user_id: d.userId,
    sessions_ended: d.sessionsEnded,
    messages_deleted: d.messagesDeleted,
    chats_deleted: d.conversationsDeleted,
    groups_left: d.groupsLeft,
    files_deleted: d.filesDeleted,
  };
}

export function chatReport(r: ConversationReport): Static<typeof ChatReportData> {
  return {
    ...chatInfo(r.conversation),
    members_count: r.members.length,
    members: r.members.map(({ member: m, user }) => ({
      id: m.userId,
      username: user?.username ?? '',
      nickname: user?.nickname ?? '',
      avatar: user?.avatar ?? '',
      role: m.role,
      joined_at: isoSeconds(m.joinedAt),
    })),
    messages_count: r.messageCount,
    last_activity_at: isoSeconds(r.conversation.lastActivityAt),
  };
}

export function stats(s: ServerStats): Static<typeof StatsData> {
  return {
    users: s.users,
    chats: s.conversations,
    messages: { total: s.messages.total, last_24h: s.messages.last24h },
    live_sessions: s.liveSessions,
    sockets_on_this_node: s.socketsOnThisNode,
    files: s.files,
    database: s.database,
    node_id: s.nodeId,
    uptime_seconds: s.uptimeSeconds,
    version: s.version,
  };
}

export function activity(a: ActivitySeries): Static<typeof ActivityData> {
  return {
    hours: a.hours.map((h) => ({ at: isoSeconds(h.at), messages: h.messages, sign_ins: h.signIns })),
    connections: a.connections.map((c) => ({ at: isoSeconds(c.at), count: c.count })),
  };
}

export function messageReport({ message: m, sender }: MessageReport): Static<typeof MessageReportData> {
  return {
    id: m.id,
    chat_id: m.conversationId,
    sender_id: m.senderId,
    sender_nickname: sender ? sender.nickname : null,
    type: typeName(m.type),
    content: m.content,
    caption: m.caption,
    is_encrypted: m.isEncrypted,
    created_at: isoSeconds(m.createdAt),
    edited_at: isoSecondsOrNull(m.editedAt),
    recalled_at: isoSecondsOrNull(m.recalledAt),
    deleted_at: isoSecondsOrNull(m.deletedAt),
  };
}
