import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { Counterpart } from '../../../services/messages.ts';
import { limits } from '../../../domain/validation.ts';
import { offsetTotalPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { groupId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { ListedMessage, MessageData, MessageType } from '../schemas.ts';

/** 3. 聊天相关接口: /api/v1/chat/message and /api/v1/chat/messages (the socket is in ws/socket.ts). */

/** `receiver_id` for a private conversation, `group_id` for a group: exactly one ("" counts as absent). */
const conversationFields = { receiver_id: Type.Optional(Type.String()), group_id: Type.Optional(Type.String()) };

function counterpart(q: { receiver_id?: string; group_id?: string }): Counterpart {
  const receiver = q.receiver_id || undefined;
  const group = q.group_id || undefined;
  if ((receiver === undefined) === (group === undefined)) {
    throw AppError.validation([{ field: receiver === undefined ? 'receiver_id' : 'group_id', message: 'give exactly one of receiver_id and group_id' }]);
  }
  return receiver !== undefined ? { userId: userId.decode(receiver, 'receiver_id') } : { groupId: groupId.decode(group!, 'group_id') };
}

/** The receiver of a message in the caller's conversation with `to`: the other side of a pair, none in a group. */
const receiverIn = (to: Counterpart, me: number) => (senderId: number | null) => ('userId' in to ? (senderId === me ? to.userId : me) : null);

const SendBody = Type.Object({ type: MessageType, content: Type.String({ minLength: 1, maxLength: limits.messageContent.maxLength }), ...conversationFields });
const listPaging = offsetTotalPaging(20, 100);
export const ListData = Type.Object({ messages: Type.Array(ListedMessage), ...listPaging.result });

export const chatRoutes = [
  route.post(
    '/api/v1/chat/message',
    {
      rate: 'send',
      summary: 'Send a message to a user (receiver_id) or a group (group_id)',
      description: 'For image and file messages the content is the file’s URL, stored and echoed as given.',
      body: SendBody,
      data: MessageData,
      message: 'success',
    },
    async (c) => {
      const to = counterpart(c.body);
      const input = { type: c.body.type, content: c.body.content, linkInContent: c.body.type !== 'text' };
      const result = 'userId' in to ? await c.services.messages.sendTo(c.me, to.userId, input) : await c.services.messages.sendToGroup(c.me, to.groupId, input);
      if (result.kind !== 'sent') throw new Error('a send without sendAt is never scheduled');
      return present.message(result.view.message, receiverIn(to, c.me)(c.me));
    },
  ),

  route.get(
    '/api/v1/chat/messages',
    {
      summary: 'Messages with a user (both directions) or of a group, newest first',
      description: 'Listing marks every returned message someone else sent as read by the caller (read_by gains the caller once).',
      query: Type.Object(conversationFields),
      paging: listPaging,
      data: ListData,
      message: 'success',
    },
    async (c) => {
      const to = counterpart(c.query);
      const page = await c.services.messages.readPage(c.me, to, { byUsers: true }, c.page);
      const receiver = receiverIn(to, c.me);
      return { messages: page.items.map((v) => present.listed(v, receiver(v.message.senderId))), ...c.paged(page) };
    },
  ),
];
