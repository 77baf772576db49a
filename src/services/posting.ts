import type { Call, CallMedia, Conversation, Message, MessageDraft, UserSummary } from '../domain/types.ts';
import type { NewMessage } from '../store/repos/messages.ts';
import type { Store } from '../store/store.ts';
import type { Emit } from './transactor.ts';

/**
 * The one way a message enters a conversation, inside the caller's transaction: stored, made the
 * conversation's latest, and announced. User sends, scheduled deliveries and system notices all
 * pass here, so they look the same to every client.
 */
export async function appendMessage(tx: Store, emit: Emit, m: NewMessage, sender: UserSummary | null, conversation: Pick<Conversation, 'pairKey'>): Promise<Message> {
  const message = await tx.messages.insert(m);
  await tx.conversations.touch(m.conversationId, message.id, m.at);
  const receiverId = receiverOf(conversation, m.senderId);
  emit({ type: 'message.created', audience: { kind: 'conversation', id: m.conversationId }, data: { message, sender, receiverId } });
  return message;
}

/** The member of a private conversation who is not the sender; null in a group. */
export function receiverOf(conversation: Pick<Conversation, 'pairKey'>, senderId: number | null): number | null {
  const key = conversation.pairKey;
  if (key === null || senderId === null) return null;
  // Read in place: every message of a private chat passes here.
  const colon = key.indexOf(':');
  const a = Number(key.slice(0, colon));
  return a === senderId ? Number(key.slice(colon + 1)) : a;
}

/** What a system notice records: who did what to whom, with names as they were then. */
export interface SystemNotice {
  action: 'created' | 'added' | 'removed' | 'left' | 'role' | 'owner';
  actor: UserSummary;
  users: UserSummary[];
  role?: string;
}

const who = (u: UserSummary) => u.nickname || u.username || `#${u.id}`;

/**
 * A system message draft. The content is a neutral English sentence for clients that show it
 * as-is; profiles may render their own text from `metadata.system`.
 */
export function systemDraft(notice: SystemNotice): MessageDraft {
  const names = notice.users.map(who).join(', ');
  const content = {
    created: `${who(notice.actor)} created the group`,
    added: `${who(notice.actor)} added ${names}`,
    removed: `${who(notice.actor)} removed ${names}`,
    left: `${who(notice.actor)} left the group`,
    role: `${who(notice.actor)} made ${names} ${notice.role === 'admin' ? 'an admin' : 'a member'}`,
    owner: `${who(notice.actor)} made ${names} the owner`,
  }[notice.action];
  return {
    type: 'system',
    content,
    caption: '',
    attachment: null,
    replyToId: null,
    forwardFrom: null,
    ttl: 0,
    isSilent: true,
    isEncrypted: false,
    metadata: { system: notice },
  };
}

/** What a call record message keeps of its call (`metadata.call`), for profiles to render. */
export interface CallNotice {
  callId: string;
  media: CallMedia;
  /** Why the call ended (a CallEndReason). */
  reason: string;
  /** Seconds talked; 0 when it was never answered. */
  duration: number;
  callerId: number;
  calleeId: number;
  answered: boolean;
}

const unansweredText: Record<string, string> = { cancelled: 'cancelled', rejected: 'declined', busy: 'busy' };

/** Seconds as m:ss, or h:mm:ss from an hour. */
export function clockDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * The record an ended call leaves in the private chat of its parties. Like a system notice, its
 * content is neutral English and profiles render their own text from `metadata.call`. Silent when
 * the call was answered (both took part); a missed, declined or cancelled call notifies.
 */
export function callDraft(call: Call): MessageDraft {
  const answered = call.answeredAt !== null;
  const reason = call.endReason ?? 'user_hangup';
  const notice: CallNotice = { callId: call.id, media: call.media, reason, duration: call.duration, callerId: call.callerId, calleeId: call.calleeId, answered };
  const outcome = answered ? clockDuration(call.duration) : (unansweredText[reason] ?? 'missed');
  return {
    type: 'call',
    content: `${call.media === 'video' ? 'Video' : 'Audio'} call, ${outcome}`,
    caption: '',
    attachment: null,
    replyToId: null,
    forwardFrom: null,
    ttl: 0,
    isSilent: answered,
    isEncrypted: false,
    metadata: { call: notice },
  };
}
