import { Type } from 'typebox';
import { limits } from '../../../domain/validation.ts';
import { callLimits } from '../../../services/calls.ts';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { command } from '../../kit/socket.ts';
import { sendFields, sendInput } from '../sending.ts';

/**
 * Client frames of the zhihang socket: `{"type": "<name>", "data": {...}}`, snake_case fields as
 * in the REST API, each validated strictly (no type coercion) and mapped to a core command.
 */

const Id = IdValue;
const ClientId = field.clientId;
const CallId = Type.String({ minLength: 1, maxLength: 64 });
const Sdp = Type.String({ minLength: 1, maxLength: callLimits.sdp });
const IceFields = {
  candidate: Type.String({ maxLength: callLimits.candidate }),
  sdp_mid: Type.Optional(Type.Union([Type.String({ maxLength: callLimits.sdpMid }), Type.Null()])),
  sdp_mline_index: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()])),
};
/** What a browser's RTCIceCandidate.toJSON() gives, accepted as `candidate` too. */
const IceInit = Type.Object({
  candidate: Type.String({ maxLength: callLimits.candidate }),
  sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: callLimits.sdpMid }), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()])),
  usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
});

export const commands = {
  ping: command(Type.Object({ timestamp: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])) }), (d) => ({ type: 'ping', echo: d.timestamp })),
  resume: command(Type.Object({ since: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }), (d) => ({ type: 'resume', since: d.since })),
  typing: command(Type.Object({ chat_id: Id, is_typing: Type.Optional(Type.Boolean()) }), (d) => ({
    type: 'typing',
    conversationId: d.chat_id,
    isTyping: d.is_typing ?? true,
  })),
  'status.update': command(
    Type.Object({ status: Type.Optional(field.userStatus), status_message: Type.Optional(Type.String({ maxLength: limits.statusMessage.maxLength })) }, { minProperties: 1 }),
    (d) => ({ type: 'status', status: d.status, statusMessage: d.status_message }),
  ),
  'call.offer': command(
    Type.Object({ to_user_id: Id, call_type: Type.Union([Type.Literal('audio'), Type.Literal('video')]), sdp: Sdp, client_id: Type.Optional(ClientId) }),
    (d) => ({ type: 'call.offer', toUserId: d.to_user_id, media: d.call_type, sdp: d.sdp, clientId: d.client_id ?? null }),
  ),
  'call.answer': command(Type.Object({ call_id: CallId, sdp: Sdp }), (d) => ({ type: 'call.answer', callId: d.call_id, sdp: d.sdp })),
  'call.ice': command(Type.Object({ call_id: CallId, ...IceFields, candidate: Type.Union([IceFields.candidate, IceInit]) }), (d) => ({
    type: 'call.ice',
    callId: d.call_id,
    candidate:
      typeof d.candidate === 'string'
        ? { candidate: d.candidate, sdpMid: d.sdp_mid ?? null, sdpMLineIndex: d.sdp_mline_index ?? null }
        : { candidate: d.candidate.candidate, sdpMid: d.candidate.sdpMid ?? null, sdpMLineIndex: d.candidate.sdpMLineIndex ?? null },
  })),
  'call.end': command(Type.Object({ call_id: CallId, reason: Type.Optional(Type.String({ maxLength: 64 })) }), (d) => ({ type: 'call.end', callId: d.call_id })),
  // A REST send body plus the chat and a required client id.
  'message.send': command(Type.Object({ ...sendFields, chat_id: Id, client_id: ClientId }), (d) => ({
    type: 'message.send',
    conversationId: d.chat_id,
    input: { ...sendInput(d), clientId: d.client_id },
  })),
};
