import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';
import { withSerialKey } from './helpers.ts';

/**
 * The whole domain model of design.md §2. Later migrations add columns and indexes; they never
 * rewrite these tables.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const s = db.schema;

  await s
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withSerialKey(s.createTable('departments'), dialect)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.references('departments.id').onDelete('set null'))
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('departments_parent').on('departments').column('parent_id').execute();

  await withSerialKey(s.createTable('users'), dialect)
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('username', 'text')
    .addColumn('nickname', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('avatar', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('online'))
    .addColumn('status_message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('theme', 'text', (c) => c.notNull().defaultTo('auto'))
    .addColumn('position', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('department_id', 'bigint', (c) => c.references('departments.id').onDelete('set null'))
    .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('password_hash', 'text')
    .addColumn('is_disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('last_login_at', 'bigint')
    .execute();
  await s.createIndex('users_phone_unique').unique().on('users').column('phone').execute();
  await s.createIndex('users_email_unique').unique().on('users').column('email').execute();
  await s.createIndex('users_username_unique').unique().on('users').expression(sql`lower(username)`).execute();
  await s.createIndex('users_nickname').on('users').expression(sql`lower(nickname)`).execute();
  await s.createIndex('users_department').on('users').column('department_id').execute();

  await s
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('device_info', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .execute();
  await s.createIndex('sessions_user').on('sessions').columns(['user_id', 'device_id']).execute();

  await withSerialKey(s.createTable('refresh_tokens'), dialect)
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await s.createIndex('refresh_tokens_hash_unique').unique().on('refresh_tokens').column('token_hash').execute();
  await s.createIndex('refresh_tokens_session').on('refresh_tokens').column('session_id').execute();

  await withSerialKey(s.createTable('verification_codes'), dialect)
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await s.createIndex('verification_codes_target').on('verification_codes').columns(['target', 'purpose', 'created_at']).execute();

  await withSerialKey(s.createTable('contacts'), dialect)
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('contact_user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('nickname', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_muted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('contacts_pair_unique').unique().on('contacts').columns(['owner_id', 'contact_user_id']).execute();
  await s.createIndex('contacts_reverse').on('contacts').column('contact_user_id').execute();

  await withSerialKey(s.createTable('friend_requests'), dialect)
    .addColumn('from_user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('to_user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('friend_requests_to').on('friend_requests').columns(['to_user_id', 'status']).execute();
  await s.createIndex('friend_requests_from').on('friend_requests').columns(['from_user_id', 'status']).execute();

  await withSerialKey(s.createTable('conversations'), dialect)
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('avatar', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('announcement', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('pair_key', 'text')
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_message_id', 'bigint')
    .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('conversations_pair_unique').unique().on('conversations').column('pair_key').execute();

  await s
    .createTable('conversation_members')
    .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('is_pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_muted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_read_message_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
    .execute();
  await s.createIndex('conversation_members_user').on('conversation_members').columns(['user_id', 'conversation_id']).execute();

  await s
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('duration', 'integer')
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('thumbnail_key', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await s.createIndex('files_owner').on('files').columns(['owner_id', 'created_at']).execute();

  await withSerialKey(s.createTable('messages'), dialect)
    .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('sender_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('caption', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('attachment', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('reply_to_id', 'bigint')
    .addColumn('forward_from_id', 'bigint')
    .addColumn('forward_origin', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('ttl', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint')
    .addColumn('send_at', 'bigint')
    .addColumn('is_silent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_encrypted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('client_id', 'text')
    .addColumn('is_edited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('edited_at', 'bigint')
    .addColumn('is_pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pinned_at', 'bigint')
    .addColumn('pinned_by', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('deleted_by', 'bigint')
    .addColumn('recalled_at', 'bigint')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('messages_conversation').on('messages').columns(['conversation_id', 'id']).execute();
  await s.createIndex('messages_client_unique').unique().on('messages').columns(['sender_id', 'client_id']).execute();
  await s.createIndex('messages_expiry').on('messages').column('expires_at').execute();

  await withSerialKey(s.createTable('scheduled_messages'), dialect)
    .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('sender_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('send_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('scheduled_messages_due').on('scheduled_messages').column('send_at').execute();
  await s.createIndex('scheduled_messages_client_unique').unique().on('scheduled_messages').columns(['sender_id', 'client_id']).execute();

  await withSerialKey(s.createTable('message_edits'), dialect)
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('edited_by', 'bigint', (c) => c.notNull())
    .addColumn('edited_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('message_edits_message').on('message_edits').columns(['message_id', 'id']).execute();

  await s
    .createTable('message_hidden')
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hidden_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_hidden_pk', ['user_id', 'message_id'])
    .execute();

  await s
    .createTable('message_receipts')
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_receipts_pk', ['message_id', 'user_id'])
    .execute();
  await s.createIndex('message_receipts_user').on('message_receipts').column('user_id').execute();

  await s
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'bigint', (c) => c.references('conversations.id').onDelete('set null'))
    .addColumn('caller_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('callee_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('media', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('end_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('duration', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await s.createIndex('calls_caller').on('calls').columns(['caller_id', 'state']).execute();
  await s.createIndex('calls_callee').on('calls').columns(['callee_id', 'state']).execute();

  await withSerialKey(s.createTable('public_keys'), dialect)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key_encrypted', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('public_keys_device_unique').unique().on('public_keys').columns(['user_id', 'device_id']).execute();

  await withSerialKey(s.createTable('events'), dialect, 'seq')
    .addColumn('audience_kind', 'text', (c) => c.notNull())
    .addColumn('audience_id', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('events_audience').on('events').columns(['audience_kind', 'audience_id', 'seq']).execute();
  await s.createIndex('events_created').on('events').column('created_at').execute();
}
