import { Type, type Static } from 'typebox';
import type { SendInput } from '../../services/messages.ts';
import { field } from '../kit/fields.ts';
import { chatId, fileId, messageId } from './ids.ts';
import { MessageType } from './schemas.ts';

/**
 * The body of `POST /messages`, which the socket's new_message and `/sync/upload` creates carry
 * too: one reading for all three, so a message sent any way is stored and idempotent alike.
 */
export const SendBody = Type.Object({
  chatId: Type.String(),
  type: MessageType,
  content: Type.String({ minLength: 1, maxLength: 10_000 }),
  replyTo: Type.Optional(Type.String()),
  metadata: Type.Optional(
    Type.Object(
      {
        clientId: Type.Optional(field.clientId),
        fileId: Type.Optional(Type.String({ description: 'an uploaded file the sender may read, carried by the message' })),
      },
      { additionalProperties: true, description: 'kept and shown back as sent' },
    ),
  ),
});
export type SendBody = Static<typeof SendBody>;

/** The chat and the core's send input; ids of any other form than ours name nothing. */
export function sendInput(body: SendBody, clientId?: string): { conversationId: number; input: SendInput } {
  const metadata = { ...body.metadata, ...(clientId !== undefined && { clientId }) };
  const file = metadata.fileId === undefined ? undefined : fileId.decode(String(metadata.fileId), 'metadata.fileId');
  return {
    conversationId: chatId.decode(body.chatId, 'chatId'),
    input: {
      type: body.type,
      content: body.content,
      ...(body.replyTo !== undefined && { replyToId: messageId.decode(body.replyTo, 'replyTo') }),
      ...(file !== undefined ? { fileId: file, readableFile: true } : body.type !== 'text' && { linkInContent: true }),
      clientId: metadata.clientId ?? null,
      metadata,
    },
  };
}
