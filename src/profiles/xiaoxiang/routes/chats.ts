import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { ConversationSummary } from '../../../domain/types.ts';
import { field } from '../../kit/fields.ts';
import { offsetMetaPaging } from '../../kit/paging.ts';
import { route, type Context } from '../../kit/route.ts';
import { chatId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Chat, ChatType } from '../schemas.ts';

/** 聊天会话接口: /v1/chats. A private chat is the pair's one conversation, the same the primary API shows. */

const listPaging = offsetMetaPaging(20, 100);
const ListQuery = Type.Object({ type: Type.Union([Type.Literal('all'), Type.Literal('private'), Type.Literal('group')], { default: 'all' }) });
const ListData = Type.Object({ chats: Type.Array(Chat), ...listPaging.result });
const CreateBody = Type.Object({
  type: ChatType,
  participantIds: Type.Array(Type.String(), { maxItems: 500 }),
  name: Type.Optional(field.chatName),
});
const chat = { chatId };

/** Chats with their participants, each as the caller sees them. */
export async function shownChats(c: Pick<Context, 'me' | 'services'>, summaries: readonly ConversationSummary[]) {
  const ids = await c.services.conversations.memberIds(
    c.me,
    summaries.map((s) => s.conversation.id),
  );
  const views = await c.services.users.viewsByIds(c.me, [...ids.values()].flat());
  return summaries.map((s) => present.chat(s, (ids.get(s.conversation.id) ?? []).flatMap((id) => views.get(id) ?? [])));
}

const one = async (c: Pick<Context, 'me' | 'services'>, id: number) => (await shownChats(c, [await c.services.conversations.detail(c.me, id, { byUsers: true })]))[0]!;

export const chatRoutes = [
  route.get('/v1/chats', { summary: 'My chats, latest activity first', query: ListQuery, paging: listPaging, data: ListData }, async (c) => {
    const type = c.query.type === 'all' ? undefined : c.query.type;
    const page = await c.services.conversations.list(c.me, c.page, { type, byUsers: true });
    return { chats: await shownChats(c, page.items), ...c.paged(page) };
  }),

  route.post(
    '/v1/chats',
    {
      summary: 'Open the private chat with one user (the existing one again, from either side), or create a group',
      description: 'The creator is always a participant. private: exactly one other user; group: a name of 1–64 characters.',
      body: CreateBody,
      data: Chat,
      status: 201,
    },
    async (c) => {
      const b = c.body;
      const others = [...new Set(b.participantIds.map((raw) => userId.decode(raw, 'participantIds')))].filter((id) => id !== c.me);
      if (b.type === 'private') {
        if (b.participantIds.length !== 1 || others.length !== 1) throw AppError.validation([{ field: 'participantIds', message: 'a private chat needs exactly one other user' }]);
        return one(c, await c.services.conversations.privateWith(c.me, others[0]!, 'participantIds'));
      }
      if (b.name === undefined) throw AppError.validation([{ field: 'name', message: 'is required for a group' }]);
      const created = await c.services.conversations.create(c.me, { type: 'group', name: b.name, members: others });
      return one(c, created.conversation.id);
    },
  ),

  route.get('/v1/chats/{chatId}', { summary: 'A chat I am in, with its participants', params: chat, data: Chat }, async (c) => one(c, c.params.chatId)),
];
