import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of every table. Conventions, identical on SQLite and PostgreSQL:
 * - numeric ids are 64-bit integers read as JS numbers;
 * - times are epoch milliseconds (`*_at`);
 * - booleans are integers 0/1 (`is_*`);
 * - structured values are JSON text.
 */

type Id = Generated<number>;
type Flag = ColumnType<number, number | undefined, number>;
type Json = ColumnType<string, string | undefined, string>;
type Text = ColumnType<string, string | undefined, string>;

export interface UsersTable {
  id: Id;
  phone: string | null;
  email: string | null;
  username: string | null;
  nickname: Text;
  bio: Text;
  avatar: Text;
  status: Text;
  status_message: Text;
  language: Text;
  theme: Text;
  position: Text;
  department_id: number | null;
  permissions: Json;
  password_hash: string | null;
  is_disabled: Flag;
  /** A server administrator (migration 0009). */
  is_admin: Flag;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
  last_connected_at: number | null;
  last_login_at: number | null;
  availability: Text;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  device_id: Text;
  device_info: Json;
  user_agent: Text;
  ip: Text;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  id: Id;
  session_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface VerificationCodesTable {
  id: Id;
  target: string;
  purpose: string;
  code_hash: string;
  attempts: Flag;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface ContactsTable {
  id: Id;
  owner_id: number;
  contact_user_id: number;
  nickname: Text;
  is_blocked: Flag;
  is_muted: Flag;
  created_at: number;
  updated_at: number;
}

export interface FriendRequestsTable {
  id: Id;
  from_user_id: number;
  to_user_id: number;
  message: Text;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface ConversationsTable {
  id: Id;
  type: string;
  name: Text;
  description: Text;
  avatar: Text;
  announcement: Text;
  owner_id: number | null;
  /** "<lower id>:<higher id>" for private conversations, so a pair has exactly one. */
  pair_key: string | null;
  is_active: Flag;
  last_message_id: number | null;
  last_activity_at: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface ConversationMembersTable {
  conversation_id: number;
  user_id: number;
  role: string;
  joined_at: number;
  is_pinned: Flag;
  is_muted: Flag;
  last_read_message_id: ColumnType<number, number | undefined, number>;
}

/** The read pointer a member had when they left or were removed (migration 0011). */
export interface DepartedReadsTable {
  conversation_id: number;
  user_id: number;
  last_read_message_id: number;
}

export interface MessagesTable {
  id: Id;
  conversation_id: number;
  sender_id: number | null;
  type: string;
  content: Text;
  caption: Text;
  file_id: string | null;
  /** File name, size, url, thumbnail, mime, width, height, duration as sent. */
  attachment: Json;
  reply_to_id: number | null;
  forward_from_id: number | null;
  /** Original sender and conversation of a forwarded message. */
  forward_origin: Json;
  ttl: Flag;
  expires_at: number | null;
  send_at: number | null;
  is_silent: Flag;
  is_encrypted: Flag;
  client_id: string | null;
  is_edited: Flag;
  edited_at: number | null;
  is_pinned: Flag;
  pinned_at: number | null;
  pinned_by: number | null;
  deleted_at: number | null;
  deleted_by: number | null;
  recalled_at: number | null;
  metadata: Json;
  created_at: number;
  updated_at: number;
}

export interface ScheduledMessagesTable {
  id: Id;
  conversation_id: number;
  sender_id: number;
  /** The accepted send request, replayed when due. */
  payload: string;
  client_id: string | null;
  send_at: number;
  claimed_until: number | null;
  created_at: number;
}

export interface MessageEditsTable {
  id: Id;
  message_id: number;
  content: string;
  edited_by: number;
  edited_at: number;
}

export interface MessageHiddenTable {
  message_id: number;
  user_id: number;
  hidden_at: number;
}

export interface MessageReceiptsTable {
  message_id: number;
  user_id: number;
  read_at: number;
}

export interface FilesTable {
  id: string;
  owner_id: number;
  name: string;
  mime: string;
  size: number;
  kind: string;
  width: number | null;
  height: number | null;
  duration: number | null;
  storage_key: string;
  thumbnail_key: string | null;
  sha256: string;
  created_at: number;
  deleted_at: number | null;
  recipient_id: ColumnType<number | null, number | null | undefined, number | null>;
  is_public: Flag;
}

export interface CallsTable {
  id: string;
  conversation_id: number | null;
  caller_id: number;
  callee_id: number;
  media: string;
  state: string;
  end_reason: string | null;
  caller_connection: string | null;
  callee_connection: string | null;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration: Flag;
}

export interface PublicKeysTable {
  id: Id;
  user_id: number;
  device_id: Text;
  public_key: string;
  private_key_encrypted: Text;
  created_at: number;
  updated_at: number;
}

export interface UserIdentitiesTable {
  id: Id;
  user_id: number;
  provider: string;
  subject: string;
  email: string | null;
  created_at: number;
}

export interface DepartmentsTable {
  id: Id;
  name: string;
  parent_id: number | null;
  sort_order: Flag;
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  seq: Id;
  audience_kind: string;
  audience_id: number;
  type: string;
  payload: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  verification_codes: VerificationCodesTable;
  contacts: ContactsTable;
  friend_requests: FriendRequestsTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  departed_reads: DepartedReadsTable;
  messages: MessagesTable;
  scheduled_messages: ScheduledMessagesTable;
  message_edits: MessageEditsTable;
  message_hidden: MessageHiddenTable;
  message_receipts: MessageReceiptsTable;
  files: FilesTable;
  calls: CallsTable;
  public_keys: PublicKeysTable;
  user_identities: UserIdentitiesTable;
  departments: DepartmentsTable;
  events: EventsTable;
  settings: SettingsTable;
}
