import { Type } from 'typebox';
import { IdValue } from '../../kit/ids.ts';
import { offsetPaging, pagePaging } from '../../kit/paging.ts';
import { route, type Context } from '../../kit/route.ts';
import { phone } from '../ids.ts';
import { imSuiteLinks, imSuiteTag } from '../im-suite.ts';
import * as chats from '../messaging-presenters.ts';
import { MessageData } from '../messaging-schemas.ts';
import * as present from '../presenters.ts';
import { ContactUser, PublicUser } from '../schemas.ts';
import { SendBody, sendFields, sendInput, sentMessage } from '../sending.ts';

/**
 * im-suite compatibility (see ../im-suite.ts): the routes the im-suite web client and its
 * `ops/e2e-test.sh` call that document 000 does not list, in the shapes they read, each over the
 * service that already holds the rule (contacts, a pair's private chat, unread counts, phone lookup).
 */

const tags = [imSuiteTag];

const friendsPaging = offsetPaging(500, 1000);

const messagesPaging = pagePaging(50, 100);
const MessagesQuery = Type.Object({ receiver_id: Type.Optional(Type.Integer({ ...IdValue, description: 'the other user of a private chat' })) });
const AllMessages = Type.Object({ messages: Type.Array(MessageData), total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() });
const MessagesData = Type.Union([Type.Array(MessageData, { description: 'with receiver_id: the private chat with that user, oldest first' }), AllMessages], {
  description: 'without receiver_id: every message of all my chats, newest first, with the total',
});

const { type: _documentType, ...sendRest } = sendFields;
const SendToBody = Type.Object({
  receiver_id: Type.Integer({ ...IdValue, description: 'the user to write to; their private chat with me is created on first use' }),
  message_type: Type.Optional(
    Type.Union([...SendBody.properties.type.anyOf, Type.Literal('file')], { description: 'file (im-suite) or document: a file of any kind' }),
  ),
  ...sendRest,
});

const UnreadData = Type.Object({ count: Type.Integer({ description: 'unread messages over all my chats' }) });

/** Messages as this client shows them: the documented message, an image's links signed. */
function messagesOf(c: Pick<Context, 'links' | 'services'>, views: readonly Parameters<typeof chats.message>[0][]) {
  const linksOf = imSuiteLinks(c.links, c.services.files);
  return views.map((v) => chats.message(v, linksOf(v.message)));
}

const sendTo = (path: string) =>
  route.post(
    path,
    {
      tags,
      rate: 'send',
      summary: 'Send a message to a user, into our private chat (im-suite compatibility)',
      description: 'The body of POST /api/chats/{chat_id}/messages with receiver_id instead of the chat, and message_type as the type; the answer is the message as that route gives it.',
      body: SendToBody,
      data: MessageData,
      message: '消息发送成功',
    },
    async (c) => {
      const { receiver_id, message_type, ...body } = c.body;
      const input = sendInput({ ...body, type: message_type === 'file' ? 'document' : message_type });
      const result = await c.services.messages.sendTo(c.me, receiver_id, input);
      return result.kind === 'sent' ? messagesOf(c, [result.view])[0]! : sentMessage(result, c.links);
    },
  );

export const imSuiteRoutes = [
  route.get(
    '/api/users/friends',
    { tags, summary: 'My contacts as a flat list of users (im-suite compatibility)', paging: friendsPaging, data: Type.Array(ContactUser), message: '获取好友列表成功' },
    async (c) => (await c.services.contacts.list(c.me, c.page)).items.map((entry) => present.contactUser(entry.view)),
  ),

  route.get(
    '/api/users/by-phone/{phone}',
    { tags, summary: 'The user with a phone number, as GET /api/users/{user_id} shows them (im-suite compatibility)', params: { phone }, data: PublicUser, message: '获取用户信息成功' },
    async (c) => present.publicUser(await c.services.users.byPhone(c.me, c.params.phone)),
  ),

  route.get(
    '/api/messages',
    {
      tags,
      summary: 'My messages with one user (receiver_id), oldest first; or all my messages, newest first (im-suite compatibility)',
      query: MessagesQuery,
      paging: messagesPaging,
      data: MessagesData,
      message: '获取消息列表成功',
    },
    async (c) => {
      const { receiver_id: other, page, limit } = c.query;
      if (other !== undefined) return messagesOf(c, (await c.services.messages.listWith(c.me, other, c.page)).items).reverse();
      const all = await c.services.messages.listAll(c.me, c.page);
      return { messages: messagesOf(c, all.items), total: all.total, page, limit };
    },
  ),

  sendTo('/api/messages/send'),
  sendTo('/api/messages'),

  route.get(
    '/api/messages/unread/count',
    { tags, summary: 'How many messages I have not read, over all my chats (im-suite compatibility)', data: UnreadData, message: '获取未读消息数成功' },
    async (c) => ({ count: await c.services.conversations.unreadTotal(c.me) }),
  ),
];
