/** Domain objects as services hand them to profiles. Times are epoch milliseconds. */

export type UserStatus = 'online' | 'away' | 'busy' | 'offline';
export const userStatuses: readonly UserStatus[] = ['online', 'away', 'busy', 'offline'];
export type Theme = 'light' | 'dark' | 'auto';
export const themes: readonly Theme[] = ['light', 'dark', 'auto'];

export interface User {
  id: number;
  phone: string | null;
  email: string | null;
  username: string | null;
  nickname: string;
  bio: string;
  avatar: string;
  /** The status the user chose; presence decides whether they are shown online at all. */
  status: UserStatus;
  statusMessage: string;
  language: string;
  theme: Theme;
  position: string;
  departmentId: number | null;
  permissions: string[];
  isDisabled: boolean;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
  /** When the user last had a connection open (their first opening, their last closing); null if never. */
  lastConnectedAt: number | null;
  lastLoginAt: number | null;
  /**
   * The status as the user and their connections last set it: `online` on their first
   * connection, `offline` after their last, or the one they chose since (documents such as chat8
   * show this one, connected or not).
   */
  availability: UserStatus;
}

export interface DeviceInfo {
  deviceId?: string;
  platform?: string;
  version?: string;
  model?: string;
  userAgent?: string;
  ip?: string;
}

export interface Session {
  id: string;
  userId: number;
  deviceId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface Contact {
  id: number;
  ownerId: number;
  contactUserId: number;
  nickname: string;
  isBlocked: boolean;
  isMuted: boolean;
  createdAt: number;
  updatedAt: number;
}

export type FriendRequestStatus = 'pending' | 'accepted' | 'rejected';

/** One user asking another to be friends (mutual contacts). */
export interface FriendRequest {
  id: number;
  fromUserId: number;
  toUserId: number;
  message: string;
  status: FriendRequestStatus;
  createdAt: number;
  updatedAt: number;
}

export interface ContactWithUser extends Contact {
  user: User;
}

/** A department of the organisation directory; `parentId` null at the top. */
export interface Department {
  id: number;
  name: string;
  parentId: number | null;
  createdAt: number;
}

/** Where a user sits in the directory: `department` is the department's own name, not its path. */
export interface Placement {
  departmentId: number | null;
  department: string;
  position: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** The few user fields shown next to a message or a member. */
export interface UserSummary {
  id: number;
  username: string | null;
  nickname: string;
  avatar: string;
}

/** The summary of a user (or of any record holding its fields), without the rest. */
export function userSummary(u: UserSummary): UserSummary {
  return { id: u.id, username: u.username, nickname: u.nickname, avatar: u.avatar };
}

export type ConversationType = 'private' | 'group';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface Conversation {
  id: number;
  type: ConversationType;
  name: string;
  description: string;
  avatar: string;
  announcement: string;
  ownerId: number | null;
  isActive: boolean;
  lastMessageId: number | null;
  lastActivityAt: number;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
  /** `<smaller id>:<larger id>` of a private conversation's two members; null for a group. */
  pairKey: string | null;
}

export interface Member {
  conversationId: number;
  userId: number;
  role: MemberRole;
  joinedAt: number;
  isPinned: boolean;
  isMuted: boolean;
  lastReadMessageId: number;
}

/**
 * Core message types. Documents that say "document" (zhihang) map it to `file`; `system` carries
 * membership and chat changes, `call` the record of an ended call.
 */
export type MessageType = 'text' | 'image' | 'video' | 'audio' | 'file' | 'system' | 'call';

export interface Attachment {
  fileId: string | null;
  name: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  duration: number | null;
  hasThumbnail: boolean;
  /** The kind the file was uploaded as (absent on messages stored before it was kept). */
  kind?: FileKind;
}

export interface ForwardOrigin {
  messageId: number;
  senderId: number | null;
  conversationId: number;
}

export interface Message {
  id: number;
  conversationId: number;
  senderId: number | null;
  type: MessageType;
  content: string;
  caption: string;
  attachment: Attachment | null;
  replyToId: number | null;
  forwardFrom: ForwardOrigin | null;
  /** Self-destruct delay in seconds (0: never). */
  ttl: number;
  expiresAt: number | null;
  /** When a scheduled message was due; null for immediate sends. */
  sendAt: number | null;
  isSilent: boolean;
  isEncrypted: boolean;
  clientId: string | null;
  isEdited: boolean;
  editedAt: number | null;
  isPinned: boolean;
  pinnedAt: number | null;
  pinnedBy: number | null;
  deletedAt: number | null;
  deletedBy: number | null;
  recalledAt: number | null;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** What happens to a message after it is sent, before anything has: not edited, pinned, deleted or recalled. */
export const untouchedMessage = {
  isEdited: false,
  editedAt: null,
  isPinned: false,
  pinnedAt: null,
  pinnedBy: null,
  deletedAt: null,
  deletedBy: null,
  recalledAt: null,
} as const satisfies Partial<Message>;

export type CallMedia = 'audio' | 'video';
export type CallState = 'ringing' | 'connected' | 'ended';

/**
 * A one-to-one call. Offers, answers and ICE candidates are relayed, never stored; the record
 * keeps who called whom, how it went and which connection holds each end (`*Connection`), so
 * signalling reaches the device that is actually in the call.
 */
export interface Call {
  id: string;
  conversationId: number | null;
  callerId: number;
  calleeId: number;
  media: CallMedia;
  state: CallState;
  endReason: string | null;
  callerConnection: string | null;
  calleeConnection: string | null;
  createdAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Seconds between answer and end; 0 for calls never answered. */
  duration: number;
}

/** A conversation as one member sees it in their list. */
export interface ConversationSummary {
  conversation: Conversation;
  /** The viewer's own membership (role, pin, mute, read pointer). */
  membership: Member;
  membersCount: number;
  unreadCount: number;
  lastMessage: Message | null;
  /** The sender of the last message (null for none, or a notice). */
  lastSender?: UserSummary | null;
  /** The other member of a private conversation. */
  peer: UserSummary | null;
}

export interface MemberWithUser extends Member {
  user: UserSummary;
}

export interface ConversationDetail extends ConversationSummary {
  members: MemberWithUser[];
}

/** A message as one viewer sees it. */
export interface MessageView {
  message: Message;
  sender: UserSummary | null;
  /**
   * For the viewer's own messages: another member has read it. For others' messages: the viewer
   * has read it (their read pointer reached it).
   */
  isRead: boolean;
}

export interface MessageEdit {
  id: number;
  messageId: number;
  /** The content before this edit. */
  content: string;
  editedBy: number;
  editedAt: number;
}

/** What a send request becomes once checked: everything a message needs but its identity and times. */
export type MessageDraft = Pick<
  Message,
  'type' | 'content' | 'caption' | 'attachment' | 'replyToId' | 'forwardFrom' | 'ttl' | 'isSilent' | 'isEncrypted' | 'metadata'
>;

/** A send accepted for later: invisible to others until due, then a normal message (new id). */
export interface ScheduledMessage {
  id: number;
  conversationId: number;
  senderId: number;
  sendAt: number;
  clientId: string | null;
  draft: MessageDraft;
  createdAt: number;
}

/** Core file kinds; they match the media message types (zhihang's `document` is `file`). */
export type FileKind = 'image' | 'video' | 'audio' | 'file';

export interface StoredFile {
  /** Unguessable: `file_<random>`. */
  id: string;
  ownerId: number;
  name: string;
  /** Sniffed from the bytes, never taken from the client. */
  mime: string;
  size: number;
  kind: FileKind;
  width: number | null;
  height: number | null;
  duration: number | null;
  hasThumbnail: boolean;
  sha256: string;
  createdAt: number;
}
