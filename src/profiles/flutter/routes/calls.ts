import { Type } from 'typebox';
import { callLimits } from '../../../services/calls.ts';
import { route } from '../../kit/route.ts';
import { isoMillis } from '../../kit/time.ts';
import { callId, idText, userId } from '../ids.ts';

/**
 * 9. 音视频通话: offer, accept and end over REST (the caller's and callee's sessions are the
 * call's ends, so any of their sockets signals); ICE candidates travel over the socket.
 */

const CallType = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
const OfferBody = Type.Object({ target_id: Type.String(), type: CallType, offer_sdp: Type.String({ minLength: 1, maxLength: callLimits.sdp }) });
const AcceptBody = Type.Object({ answer_sdp: Type.String({ minLength: 1, maxLength: callLimits.sdp }) });
const Id = Type.String({ minLength: 1 });
const Time = Type.String({ format: 'date-time' });

const OfferData = Type.Object({ call_id: Id, target_id: Id, type: CallType, status: Type.Union([Type.Literal('ringing'), Type.Literal('ended')]), created_at: Time });
const AcceptData = Type.Object({ call_id: Id, status: Type.Literal('connected'), updated_at: Time });
const EndData = Type.Object({ call_id: Id, status: Type.Literal('ended'), duration: Type.Integer({ minimum: 0, description: 'seconds from accept to end' }), updated_at: Time });
const call = { call_id: callId };

export const callRoutes = [
  route.post(
    '/v1/calls',
    { summary: 'Call a user: their sockets get call_offer', description: 'Calling yourself answers 400.', body: OfferBody, data: OfferData, status: 201 },
    async (c) => {
      const target = userId.decode(c.body.target_id, 'target_id');
      const placed = await c.services.calls.offer({ userId: c.me, connectionId: null }, { toUserId: target, media: c.body.type, sdp: c.body.offer_sdp });
      return { call_id: placed.id, target_id: idText(target), type: placed.media, status: placed.state === 'ended' ? ('ended' as const) : ('ringing' as const), created_at: isoMillis(placed.createdAt) };
    },
  ),

  route.post(
    '/v1/calls/{call_id}/accept',
    { summary: 'Accept a call (its callee): the caller gets call_answer', description: 'A call that is not ringing answers 409; the caller gets 403.', params: call, body: AcceptBody, data: AcceptData },
    async (c) => {
      const accepted = await c.services.calls.answer({ userId: c.me, connectionId: null }, c.params.call_id, c.body.answer_sdp);
      return { call_id: accepted.id, status: 'connected' as const, updated_at: isoMillis(accepted.answeredAt ?? accepted.createdAt) };
    },
  ),

  route.post(
    '/v1/calls/{call_id}/end',
    { summary: 'End a call (either party; ending a ringing call declines it): the other party gets call_end', params: call, data: EndData },
    async (c) => {
      const ended = await c.services.calls.hangUp({ userId: c.me, connectionId: null }, c.params.call_id);
      return { call_id: ended.id, status: 'ended' as const, duration: ended.duration, updated_at: isoMillis(ended.endedAt ?? ended.createdAt) };
    },
  ),
];
