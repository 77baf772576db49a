import { Type, type TObject } from 'typebox';
import { codeMessage } from '../../kit/envelopes.ts';
import { closed } from '../../kit/fields.ts';
import { command, defineSocket, type Frame } from '../../kit/socket.ts';
import * as present from '../presenters.ts';
import { MessageData } from '../schemas.ts';

/**
 * The lite socket, `GET /api/v1/ws` with `Authorization: Bearer <token>` (an upgrade without a
 * valid token is refused with 401). The document names no frames; Parley sends `{"type", "data"}`:
 * `message` for every new message of a conversation the user is in (data exactly as
 * `POST /chat/message` answers it), to every member's sockets, the sender's included (clients
 * de-duplicate by message_id). A client may send `{"type": "ping"}` and gets `pong`; there is no
 * greeting and no resume.
 */

export const frames = {
  message: closed(MessageData),
  pong: closed(Type.Object({})),
  error: closed(codeMessage.errorSchema as TObject),
};

const plain = (f: Frame) => ({ type: f.type, data: f.data });

export const socket = defineSocket({
  path: '/api/v1/ws',
  wire: { event: plain, signal: plain },
  encoders: () => ({
    events: {
      // Notices and call records are not messages of the document.
      'message.created': ({ data: { message: m, receiverId } }) => (m.type === 'system' || m.type === 'call' ? null : { type: 'message', data: present.message(m, receiverId) }),
    },
    signals: {},
  }),
  commands: { ping: command(Type.Object({}), () => ({ type: 'ping', echo: undefined })) },
  frames,
  pong: () => ({ type: 'pong', data: {} }),
  error: (body) => ({ type: 'error', data: body }),
  // No resume and no socket send: these are never asked for.
  refetch: (n) => ({ type: 'refetch', data: { since: n.since, seq: n.seq } }),
  ack: (result) => ({ type: 'ack', data: { message_id: String(result.kind === 'sent' ? result.view.message.id : result.scheduled.id) } }),
});
