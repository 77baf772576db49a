import type { Message, MessageDraft, UserSummary } from '../domain/types.ts';
import type { NewMessage } from '../store/repos/messages.ts';
import type { Store } from '../store/store.ts';
import type { Emit } from './transactor.ts';

/**
 * The one way a message enters a conversation, inside the caller's transaction: stored, made the
 * conversation's latest, and announced. User sends, scheduled deliveries and system notices all
 * pass here, so they look the same to every client.
 */
export async function appendMessage(tx: Store, emit: Emit, m: NewMessage, sender: UserSummary | null): Promise<Message> {
  const message = await tx.messages.insert(m);
  await tx.conversations.touch(m.conversationId, message.id, m.at);
  emit({ type: 'message.created', audience: { kind: 'conversation', id: m.conversationId }, data: { message, sender } });
  return message;
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
