import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import { caller } from '../../../http/guard.ts';
import { iceServersFor } from '../../../services/ice-servers.ts';
import { isoSecondsOrNull } from '../../common/time.ts';
import { Envelope, ok } from '../envelope.ts';

const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
const IceServersData = Type.Object({
  ice_servers: Type.Array(IceServer, { description: 'ready for RTCPeerConnection({ iceServers })' }),
  ttl: Type.Union([Type.Integer(), Type.Null()], { description: 'seconds the TURN credentials stay valid; null when none were minted' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export async function callRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/ice-servers',
    {
      schema: {
        summary: 'STUN/TURN servers for calls, with time-limited TURN credentials (extension)',
        response: { 200: Envelope(IceServersData) },
      },
    },
    async (request) => {
      const list = iceServersFor(core.config.ice, caller(request).userId, core.clock.now());
      return ok({ ice_servers: list.servers, ttl: list.ttl, expires_at: isoSecondsOrNull(list.expiresAt) }, '获取 ICE 服务器成功');
    },
  );
}
