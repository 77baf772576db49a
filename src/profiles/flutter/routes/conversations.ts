import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { offsetTotalPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { conversationId, mediaId, messageId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Conversation, CreatedConversation, Message, MessageType, SentMessage } from '../schemas.ts';

/** 5. 对话API: /v1/conversations and their messages (8.2: media messages name an upload in `content`). */

const listPaging = offsetTotalPaging(20, 100);
const ListQuery = Type.Object({ type: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('group'), Type.Literal('all')], { default: 'all' })) });
const ListData = Type.Object({ ...listPaging.result, conversations: Type.Array(Conversation) });

const CreateBody = Type.Object({
  type: Type.Union([Type.Literal('private'), Type.Literal('group')]),
  target_id: Type.Optional(Type.String()),
  name: Type.Optional(field.chatName),
  members: Type.Optional(Type.Array(Type.String(), { maxItems: 500 })),
});

const HistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
});
const HistoryData = Type.Object({ conversation_id: Type.String(), messages: Type.Array(Message) });

const SendBody = Type.Object({
  type: MessageType,
  content: field.messageContent,
  temp_id: Type.Optional(field.clientId),
  caption: Type.Optional(field.messageContent),
});

const conversation = { conversation_id: conversationId };
const required = (name: string) => AppError.validation([{ field: name, message: 'is required' }]);

export const conversationRoutes = [
  route.get(
    '/v1/conversations',
    { summary: 'My conversations, latest activity first, with unread counts and last messages', query: ListQuery, paging: listPaging, data: ListData },
    async (c) => {
      const type = c.query.type === 'all' || c.query.type === undefined ? undefined : c.query.type;
      const page = await c.services.conversations.list(c.me, c.page, { type, byUsers: true });
      return { ...c.paged(page), conversations: page.items.map(present.conversation) };
    },
  ),

  route.get(
    '/v1/conversations/{conversation_id}/messages',
    {
      summary: 'Messages of a conversation, newest first; before/after page from a message id',
      description: 'after=X gives the messages right after X (still newest first). Reading history does not move the read position.',
      params: conversation,
      query: HistoryQuery,
      data: HistoryData,
    },
    async (c) => {
      const id = c.params.conversation_id;
      const cursors = {
        ...(c.query.before !== undefined && { before: messageId.decode(c.query.before, 'before') }),
        ...(c.query.after !== undefined && { after: messageId.decode(c.query.after, 'after') }),
      };
      const page = await c.services.messages.listSeen(c.me, id, cursors, { limit: c.query.limit, offset: 0 });
      return { conversation_id: String(id), messages: page.items.map((v) => present.message(v.message, v.sender, v.seen, c.links)) };
    },
  ),

  route.post(
    '/v1/conversations/{conversation_id}/messages',
    {
      rate: 'send',
      summary: 'Send a message; a repeated temp_id answers the first message',
      description: 'For image, video, audio and file messages, content is a media_id from /media/upload.',
      params: conversation,
      body: SendBody,
      data: SentMessage,
      status: 201,
    },
    async (c) => {
      const b = c.body;
      // A media message's content is a media id; one of another form names nothing (404). Media the
      // sender may download (their upload, or one sent where they are a member) may be sent on.
      const media = b.type === 'text' ? {} : { fileId: mediaId.decode(b.content, 'content'), readableFile: true };
      const input = { type: b.type, content: b.content, caption: b.caption, clientId: b.temp_id, ...media };
      const result = await c.services.messages.send(c.me, c.params.conversation_id, input);
      if (result.kind !== 'sent') throw new Error('a send without sendAt is never scheduled');
      // A repeated temp_id answers the stored message as it stands: `read` if it has been (C21, C22).
      return present.sent(result.view.message, result.view.sender, result.view.isRead, c.links);
    },
  ),

  route.post(
    '/v1/conversations',
    {
      summary: 'Open the private conversation with a user (the existing one again), or create a group',
      description: 'A group needs name; members are user ids, the creator becomes owner.',
      body: CreateBody,
      data: CreatedConversation,
      status: 201,
    },
    async (c) => {
      const b = c.body;
      if (b.type === 'private') {
        if (b.target_id === undefined) throw required('target_id');
        const other = userId.decode(b.target_id, 'target_id');
        const id = await c.services.conversations.privateWith(c.me, other, 'target_id');
        return present.created(await c.services.conversations.detail(c.me, id));
      }
      if (b.name === undefined) throw required('name');
      const members = (b.members ?? []).map((raw) => userId.decode(raw, 'members'));
      return present.created(await c.services.conversations.create(c.me, { type: 'group', name: b.name, members }));
    },
  ),
];
