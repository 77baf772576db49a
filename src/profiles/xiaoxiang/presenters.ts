import type { Static } from 'typebox';
import type { ConversationSummary, Message as CoreMessage, StoredFile, User as CoreUser, UserSummary } from '../../domain/types.ts';
import type { DepartmentNode } from '../../services/directory.ts';
import type { Receipt } from '../../services/messages.ts';
import type { UserView } from '../../services/users.ts';
import type { FileLinks } from '../kit/links.ts';
import type { Services } from '../kit/services.ts';
import { isoMillis } from '../kit/time.ts';
import { idText } from './ids.ts';
import type * as S from './schemas.ts';

/** What the document grants an account nobody granted anything (its login example). */
export const defaultPermissions = ['chat.read', 'chat.write', 'contacts.read'];

/** A user's place in the organisation: the department's own name and the position, "" when unset. */
export interface Place {
  department: string;
  position: string;
}
export type Places = (user: Pick<CoreUser, 'id' | 'position'>) => Place;
/** A user the directory did not place: no department, the position the account holds. */
export const ownPlace: Places = (u) => ({ department: '', position: u.position });

/** Where each of these users sits, from the directory (one query). */
export async function placesOf(services: Pick<Services, 'directory'>, userIds: readonly number[]): Promise<Places> {
  const placed = await services.directory.profileOf([...new Set(userIds)]);
  return (u) => {
    const p = placed.get(u.id);
    return p ? { department: p.department, position: p.position } : ownPlace(u);
  };
}

/** What a user is called here: their nickname, else their username. */
export const nameOf = (u: Pick<UserSummary, 'nickname' | 'username'> | null | undefined): string => (u ? u.nickname || u.username || '' : '');

/** The user themselves: the status they chose (decision 6), the others see it only while connected. */
export function user(u: CoreUser, places: Places): Static<typeof S.User> {
  return {
    id: idText(u.id),
    email: u.email ?? '',
    name: nameOf(u),
    avatar: u.avatar,
    ...places(u),
    permissions: u.permissions.length > 0 ? u.permissions : defaultPermissions,
    status: u.status,
  };
}

export function found({ user: u, shownStatus }: Pick<UserView, 'user' | 'shownStatus'>, places: Places): Static<typeof S.FoundUser> {
  return { id: idText(u.id), name: nameOf(u), avatar: u.avatar, ...places(u), status: shownStatus };
}

const documentTypes = new Set(['text', 'image', 'file', 'audio', 'video']);
/** Notices and call records are not messages of this document. */
export const isDocumentMessage = (m: Pick<CoreMessage, 'type'>): boolean => documentTypes.has(m.type);

/** The metadata as sent, with the client id and file the message holds (also when sent through another API). */
function metadataOf(m: CoreMessage): Record<string, unknown> {
  const sent = (m.metadata.client ?? {}) as Record<string, unknown>;
  return { ...sent, ...(m.clientId !== null && { clientId: m.clientId }), ...(m.attachment?.fileId && { fileId: m.attachment.fileId }) };
}

export function message(m: CoreMessage, readBy: readonly Receipt[]): Static<typeof S.Message> {
  return {
    id: idText(m.id),
    chatId: idText(m.conversationId),
    senderId: m.senderId === null ? '' : idText(m.senderId),
    type: (documentTypes.has(m.type) ? m.type : 'text') as Static<typeof S.MessageType>,
    content: m.content,
    timestamp: isoMillis(m.createdAt),
    status: readBy.length > 0 ? 'read' : 'sent',
    readBy: readBy.map((r) => ({ userId: idText(r.userId), readAt: isoMillis(r.readAt) })),
    replyTo: m.replyToId === null ? null : idText(m.replyToId),
    metadata: metadataOf(m),
  };
}

/** A chat as one viewer sees it: a private chat is named after the other participant. */
export function chat(s: ConversationSummary, participants: readonly UserView[]): Static<typeof S.Chat> {
  const c = s.conversation;
  const m = s.lastMessage;
  return {
    id: idText(c.id),
    type: c.type,
    name: c.type === 'group' ? c.name : nameOf(s.peer),
    avatar: c.type === 'group' ? c.avatar : (s.peer?.avatar ?? ''),
    participants: participants.map((v) => ({ id: idText(v.user.id), name: nameOf(v.user), status: v.shownStatus })),
    lastMessage: m === null ? null : { id: idText(m.id), senderId: m.senderId === null ? '' : idText(m.senderId), content: m.content, timestamp: isoMillis(m.createdAt) },
    unreadCount: s.unreadCount,
    updatedAt: isoMillis(c.lastActivityAt),
  };
}

const fileTypes = { image: 'image', audio: 'audio', video: 'video', file: 'document' } as const;

export const contentPath = (id: string) => `files/${id}/content`;
export const thumbnailPath = (id: string) => `files/${id}/thumbnail`;

/** A department with its sub-departments and direct members, at every depth. */
export function department(d: DepartmentNode, views: ReadonlyMap<number, UserView>, places: Places): Static<typeof S.Department> {
  return {
    id: idText(d.id),
    name: d.name,
    parentId: d.parentId === null ? null : idText(d.parentId),
    level: d.level,
    children: d.children.map((child) => department(child, views, places)),
    members: d.members.map((u) => member({ user: u, shownStatus: views.get(u.id)?.shownStatus ?? 'offline' }, places)),
    memberCount: d.memberCount,
  };
}

export function member({ user: u, shownStatus }: Pick<UserView, 'user' | 'shownStatus'>, places: Places): Static<typeof S.Member> {
  return { id: idText(u.id), name: nameOf(u), position: places(u).position, avatar: u.avatar, status: shownStatus };
}

export function file(f: StoredFile, links: FileLinks): Static<typeof S.File> {
  return {
    id: f.id,
    name: f.name,
    size: f.size,
    type: fileTypes[f.kind],
    mimeType: f.mime,
    url: links.file(contentPath(f.id)),
    thumbnailUrl: f.hasThumbnail ? links.file(thumbnailPath(f.id)) : null,
    uploadedAt: isoMillis(f.createdAt),
  };
}
