import type { Core } from '../../../core.ts';
import { AppError } from '../../../domain/errors.ts';
import type { DomainEvent } from '../../../domain/events.ts';
import type { ProfileCodec } from '../../../realtime/codec.ts';
import { isoSeconds } from '../../common/time.ts';
import { errorBody } from '../errors.ts';
import { eventEncoders, signalEncoders, type Frame } from './encode.ts';
import { decodeFrame } from './frames.ts';

const frame = (type: string, data: unknown) => JSON.stringify({ type, data });

/**
 * The zhihang socket (`/ws`). Server frames are `{"type", "data"}` as in the document; durable
 * events also carry their `seq` (`{"type", "seq", "data"}`), the number a client passes back as
 * `since` to resume. Errors are `{"type": "error", "data": <the REST error body> + ref}`.
 */
export function zhihangSocket(core: Core): ProfileCodec {
  const events = eventEncoders({ isOnline: (user) => core.users.isOnline(user) });
  return {
    name: 'zhihang',
    path: '/ws',
    connect: (info) =>
      frame('connect', {
        status: 'connected',
        timestamp: isoSeconds(info.at),
        user_id: info.userId,
        seq: info.latestSeq,
        heartbeat_interval: Math.ceil(info.heartbeatMs / 1000),
      }),
    event(event) {
      const encode = events[event.type] as ((e: DomainEvent) => Frame | null) | undefined;
      const f = encode?.(event);
      return f ? JSON.stringify({ type: f.type, seq: event.seq, data: f.data }) : null;
    },
    signal(signal) {
      const encode = signalEncoders[signal.type] as ((s: typeof signal) => Frame | null) | undefined;
      const f = encode?.(signal);
      return f ? frame(f.type, f.data) : null;
    },
    decode: decodeFrame,
    pong: (echo, at) => frame('pong', { timestamp: isoSeconds(at), ...(echo !== undefined && { client_timestamp: echo }) }),
    error: (err, ref) => {
      return frame('error', {
        ...errorBody(err),
        ...(ref.type !== undefined && { ref: ref.type }),
        ...(ref.clientId !== undefined && { client_id: ref.clientId }),
        ...(ref.callId !== undefined && { call_id: ref.callId }),
      });
    },
    resumed: (o) => frame('resumed', { since: o.since, seq: o.seq, count: o.count, timestamp: isoSeconds(o.at) }),
    refetch: (n) => frame('refetch', { reason: n.reason, since: n.since, seq: n.seq, timestamp: isoSeconds(n.at) }),
    // The slot for sending over the socket. After the merge: validate `command.fields` with the
    // REST send body schema, call the message service with `command.clientId` (idempotency) and
    // answer frame('message.ack', { client_id, message: <REST message presenter> }).
    async sendMessage() {
      throw new AppError('UNAVAILABLE', 'message.send over the socket is not available on this server yet; use POST /api/chats/{chat_id}/messages');
    },
    refusal: (err) => ({ status: err.status, body: JSON.stringify(errorBody(err)) }),
  };
}
