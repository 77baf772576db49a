import { Type } from 'typebox';
import { Nullable } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import { isoSecondsOrNull } from '../../kit/time.ts';

/** Calls over REST (extension): what a client needs before it rings anyone. */

const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
const IceServersData = Type.Object({
  ice_servers: Type.Array(IceServer, { description: 'ready for RTCPeerConnection({ iceServers })' }),
  ttl: Nullable(Type.Integer({ description: 'seconds the TURN credentials stay valid; null when none were minted' })),
  expires_at: Nullable(Type.String({ format: 'date-time' })),
});

export const callRoutes = [
  route.get(
    '/api/calls/ice-servers',
    { summary: 'STUN/TURN servers for calls, with time-limited TURN credentials (extension)', data: IceServersData, message: '获取 ICE 服务器成功' },
    async (c) => {
      const list = c.services.calls.iceServers(c.me);
      return { ice_servers: list.servers, ttl: list.ttl, expires_at: isoSecondsOrNull(list.expiresAt) };
    },
  ),
];
