import type { Core } from '../../../core.ts';
import { AppError } from '../../../domain/errors.ts';
import type { DomainEvent } from '../../../domain/events.ts';
import { compileStrict, fieldProblems } from '../../../http/validation.ts';
import type { ProfileCodec } from '../../../realtime/codec.ts';
import { isoSeconds } from '../../common/time.ts';
import { errorBody } from '../errors.ts';
import { fileLinks, filesRoute } from '../links.ts';
import { SendBody, sendInput, sentMessage, type SendBodyData } from '../sending.ts';
import { eventEncoders, signalEncoders, type Frame } from './encode.ts';
import { decodeFrame } from './frames.ts';

/** `message.send` fields are a REST send body (chat_id and client_id aside), checked the same way. */
const validateSend = compileStrict<SendBodyData>(SendBody);

const frame = (type: string, data: unknown) => JSON.stringify({ type, data });

/**
 * The zhihang socket (`/ws`). Server frames are `{"type", "data"}` as in the document; durable
 * events also carry their `seq` (`{"type", "seq", "data"}`), the number a client passes back as
 * `since` to resume. Errors are `{"type": "error", "data": <the REST error body> + ref}`.
 */
export function zhihangSocket(core: Core, mount: string): ProfileCodec {
  const links = fileLinks(core.config.publicUrl ?? '', `${mount}${filesRoute}`);
  const events = eventEncoders({ isOnline: (user) => core.users.isOnline(user), links });
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
    // Answers on the sending connection only, so the ack may show what the sender alone sees.
    async sendMessage(from, command) {
      // The REST send's budget, taken first as the REST guard does.
      await core.limiter.take('send', `user:${from.userId}`);
      if (!validateSend(command.fields)) throw AppError.validation(fieldProblems(validateSend.errors ?? [], 'data'));
      const result = await core.messages.send(from.userId, command.conversationId, { ...sendInput(command.fields), clientId: command.clientId });
      return frame('message.ack', { client_id: command.clientId, message: sentMessage(result, links) });
    },
    refusal: (err) => ({ status: err.status, body: JSON.stringify(errorBody(err)) }),
  };
}
