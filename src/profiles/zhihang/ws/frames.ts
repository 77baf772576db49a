import { Type, type Static, type TSchema } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { limits } from '../../../domain/validation.ts';
import { compileStrict, fieldProblems } from '../../../http/validation.ts';
import type { ClientCommand, Decoded, FrameRef } from '../../../realtime/codec.ts';
import { callLimits } from '../../../services/calls.ts';

/**
 * Client frames of the zhihang socket: `{"type": "<name>", "data": {...}}`, snake_case fields as
 * in the REST API. Each is validated strictly (no type coercion) and mapped to a core command.
 */

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const ClientId = Type.String({ minLength: limits.clientId.minLength, maxLength: limits.clientId.maxLength });
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

const schemas = {
  ping: Type.Object({ timestamp: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])) }),
  resume: Type.Object({ since: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }),
  typing: Type.Object({ chat_id: Id, is_typing: Type.Optional(Type.Boolean()) }),
  'status.update': Type.Object(
    {
      status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')])),
      status_message: Type.Optional(Type.String({ maxLength: limits.statusMessage.maxLength })),
    },
    { minProperties: 1 },
  ),
  'call.offer': Type.Object({
    to_user_id: Id,
    call_type: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
    sdp: Sdp,
    client_id: Type.Optional(ClientId),
  }),
  'call.answer': Type.Object({ call_id: CallId, sdp: Sdp }),
  'call.ice': Type.Object({ call_id: CallId, ...IceFields, candidate: Type.Union([IceFields.candidate, IceInit]) }),
  'call.end': Type.Object({ call_id: CallId, reason: Type.Optional(Type.String({ maxLength: 64 })) }),
  // The other fields are a REST send body, validated by the codec's sendMessage with that schema.
  'message.send': Type.Object({ chat_id: Id, client_id: ClientId }),
} satisfies Record<string, TSchema>;

type FrameType = keyof typeof schemas;
type DataOf<T extends FrameType> = Static<(typeof schemas)[T]>;

const toCommand: { [T in FrameType]: (d: DataOf<T>) => ClientCommand } = {
  ping: (d) => ({ type: 'ping', echo: d.timestamp }),
  resume: (d) => ({ type: 'resume', since: d.since }),
  typing: (d) => ({ type: 'typing', conversationId: d.chat_id, isTyping: d.is_typing ?? true }),
  'status.update': (d) => ({ type: 'status', status: d.status, statusMessage: d.status_message }),
  'call.offer': (d) => ({ type: 'call.offer', toUserId: d.to_user_id, media: d.call_type, sdp: d.sdp, clientId: d.client_id ?? null }),
  'call.answer': (d) => ({ type: 'call.answer', callId: d.call_id, sdp: d.sdp }),
  'call.ice': (d) => ({
    type: 'call.ice',
    callId: d.call_id,
    candidate:
      typeof d.candidate === 'string'
        ? { candidate: d.candidate, sdpMid: d.sdp_mid ?? null, sdpMLineIndex: d.sdp_mline_index ?? null }
        : { candidate: d.candidate.candidate, sdpMid: d.candidate.sdpMid ?? null, sdpMLineIndex: d.candidate.sdpMLineIndex ?? null },
  }),
  'call.end': (d) => ({ type: 'call.end', callId: d.call_id }),
  'message.send': (d) => {
    const { chat_id, client_id, ...fields } = d as Record<string, unknown> & DataOf<'message.send'>;
    return { type: 'message.send', conversationId: chat_id, clientId: client_id, fields };
  },
};

const validators = Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, compileStrict(schema)])) as Record<
  FrameType,
  ReturnType<typeof compileStrict>
>;

export const clientFrameTypes = Object.keys(schemas) as FrameType[];

const shape = 'a frame is a JSON object {"type": "<frame type>", "data": {...}}';

export function decodeFrame(text: string): Decoded {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, error: new AppError('BAD_REQUEST', `the frame is not valid JSON; ${shape}`), ref: {} };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof (frame as { type?: unknown }).type !== 'string') {
    return { ok: false, error: new AppError('BAD_REQUEST', shape), ref: {} };
  }
  const { type, data = {} } = frame as { type: string; data?: unknown };
  const ref: FrameRef = { type: type.slice(0, 64) };
  if (typeof data === 'object' && data !== null) {
    const { client_id, call_id } = data as { client_id?: unknown; call_id?: unknown };
    if (typeof client_id === 'string') ref.clientId = client_id.slice(0, 64);
    if (typeof call_id === 'string') ref.callId = call_id.slice(0, 64);
  }
  if (!Object.hasOwn(schemas, type)) {
    return { ok: false, error: new AppError('BAD_REQUEST', `unknown frame type "${ref.type}"; expected one of ${clientFrameTypes.join(', ')}`), ref };
  }
  const validate = validators[type as FrameType];
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !validate(data)) {
    const problems = validate.errors?.length ? fieldProblems(validate.errors, 'data') : [{ field: 'data', message: 'must be an object' }];
    return { ok: false, error: AppError.validation(problems), ref };
  }
  return { ok: true, command: (toCommand[type as FrameType] as (d: unknown) => ClientCommand)(data), ref };
}
