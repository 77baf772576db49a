import { defineSocket } from '../../kit/socket.ts';
import { isoSeconds } from '../../kit/time.ts';
import { sentMessage } from '../sending.ts';
import { commands } from './commands.ts';
import { eventEncoders, signalEncoders } from './encoders.ts';
import { frames } from './frames.ts';
import { imSuite } from './im-suite.ts';

/**
 * The zhihang socket (`/ws`). Server frames are `{"type", "data"}` as in the document; durable
 * events also carry their `seq` (`{"type", "seq", "data"}`), the number a client passes back as
 * `since` to resume. Errors are `{"type": "error", "data": <the REST error body> + ref}`.
 */
export const socket = defineSocket({
  path: '/ws',
  encoders: (deps) => ({ events: eventEncoders(deps), signals: signalEncoders }),
  commands,
  frames,
  compat: { 'im-suite': imSuite },
  connect: (info) => ({
    type: 'connect',
    data: {
      status: 'connected',
      timestamp: isoSeconds(info.at),
      user_id: info.userId,
      seq: info.latestSeq,
      heartbeat_interval: Math.ceil(info.heartbeatMs / 1000),
    },
  }),
  pong: (echo, at) => ({ type: 'pong', data: { timestamp: isoSeconds(at), ...(echo !== undefined && { client_timestamp: echo }) } }),
  error: (body, ref) => ({
    type: 'error',
    data: {
      ...(body as Record<string, unknown>),
      ...(ref.type !== undefined && { ref: ref.type }),
      ...(ref.clientId !== undefined && { client_id: ref.clientId }),
      ...(ref.callId !== undefined && { call_id: ref.callId }),
    },
  }),
  resumed: (o) => ({ type: 'resumed', data: { since: o.since, seq: o.seq, count: o.count, timestamp: isoSeconds(o.at) } }),
  refetch: (n) => ({ type: 'refetch', data: { reason: n.reason, since: n.since, seq: n.seq, timestamp: isoSeconds(n.at) } }),
  // Answers on the sending connection only, so the ack may show what the sender alone sees.
  ack: (result, ref, deps) => ({ type: 'message.ack', data: { client_id: ref.clientId, message: sentMessage(result, deps.links) } }),
});
