import { Type, type Static } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import type { SendInput, SendResult } from '../../services/messages.ts';
import { field } from '../kit/fields.ts';
import { IdValue } from '../kit/ids.ts';
import type { FileLinks } from '../kit/links.ts';
import * as present from './messaging-presenters.ts';

/**
 * Sending a message, shared by `POST /api/chats/{chat_id}/messages` and the socket's
 * `message.send` frame: one body schema, one mapping to the message service, one presentation.
 */

const SendableType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('document')]);

export const sendFields = {
  content: Type.Optional(field.messageContent),
  type: Type.Optional(SendableType),
  file_name: Type.Optional(field.fileName),
  file_size: Type.Optional(Type.Integer({ minimum: 0, description: 'ignored: the uploaded size is used' })),
  file_url: Type.Optional(Type.String({ maxLength: 2048, description: 'the url returned by POST /api/files/upload' })),
  file_id: Type.Optional(Type.String({ maxLength: 64, description: 'extension: alternative to file_url' })),
  thumbnail: Type.Optional(Type.String({ maxLength: 2048, description: 'ignored: derived from the file' })),
  reply_to_id: Type.Optional(Type.Union([IdValue, Type.Null()])),
  forward_from: Type.Optional(Type.Union([IdValue, Type.Null()], { description: 'id of a message to forward (content and file are copied)' })),
  ttl: Type.Optional(Type.Integer({ ...field.ttl, description: 'self-destruct after this many seconds from delivery' })),
  send_at: Type.Optional(
    Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'schedule: ISO 8601, or epoch seconds (milliseconds above 10^11)',
    }),
  ),
  is_silent: Type.Optional(Type.Boolean()),
  client_id: Type.Optional(Type.String({ ...field.clientId, description: 'extension: idempotency key' })),
};

export const SendBody = Type.Object(sendFields);
export type SendBodyData = Static<typeof SendBody>;

const fileIdInUrl = /\/(file_[A-Za-z0-9_-]{8,64})\/?$/;

/** The uploaded file a send refers to: file_id, or the id at the end of a file_url we issued. */
function fileIdOf(body: SendBodyData): string | undefined {
  if (body.file_id) return body.file_id;
  if (!body.file_url) return undefined;
  const m = fileIdInUrl.exec(body.file_url.split(/[?#]/)[0]!);
  if (!m) throw new AppError('FILE_NOT_FOUND', 'file_url must be a url returned by POST /api/files/upload');
  return m[1];
}

function sendAtOf(value: string | number | null | undefined): number | null {
  if (value == null) return null;
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  return Date.parse(value);
}

/** A validated send body in the message service's terms. */
export function sendInput(b: SendBodyData): SendInput {
  return {
    type: present.coreType(b.type ?? 'text'),
    content: b.content ?? '',
    fileId: fileIdOf(b),
    fileName: b.file_name || undefined,
    replyToId: b.reply_to_id,
    forwardFrom: b.forward_from,
    ttl: b.ttl,
    sendAt: sendAtOf(b.send_at),
    isSilent: b.is_silent,
    clientId: b.client_id,
  };
}

/** What a send answers: the stored message, or the scheduled one (`is_scheduled`, the schedule's id). */
export function sentMessage(result: SendResult, links: FileLinks) {
  return result.kind === 'sent' ? present.message(result.view, links) : present.scheduled(result.scheduled, result.sender, links);
}
