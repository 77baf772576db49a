import type { Conversation, Member, Message } from '../domain/types.ts';

/**
 * Who may do what in a conversation. Services look up the parties, call these and choose the
 * error; the rules themselves live only here, so every path that needs one asks the same question.
 */

/** Owners and admins run a group: edit it, add members, delete others' messages, pin. */
export function isManager(member: Member): boolean {
  return member.role === 'owner' || member.role === 'admin';
}

/** Only the owner gives and takes roles (and hands ownership on). */
export function mayChangeRoles(member: Member): boolean {
  return member.role === 'owner';
}

/** Anyone may leave; the owner may remove anyone, an admin plain members only. */
export function mayRemove(actor: Member, target: Member): boolean {
  return actor.userId === target.userId || actor.role === 'owner' || (actor.role === 'admin' && target.role === 'member');
}

/** The user wrote this message; system notices and call records are the server's, whoever they name. */
export function isAuthor(userId: number, message: Message): boolean {
  return message.senderId === userId && message.type !== 'system' && message.type !== 'call';
}

/** The sender, or a manager of the group it was posted in; anyone else can only hide it for themselves. */
export function mayDeleteForEveryone(userId: number, message: Message, conversation: Conversation, member: Member): boolean {
  return message.senderId === userId || (conversation.type === 'group' && isManager(member));
}

/** Either member of a private chat; the managers of a group. */
export function mayPin(conversation: Conversation, member: Member): boolean {
  return conversation.type !== 'group' || isManager(member);
}
