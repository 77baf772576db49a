import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../core.ts';
import { version } from '../version.ts';

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]),
  timestamp: Type.String(),
  version: Type.String(),
  uptime: Type.Integer({ description: 'seconds since this node started' }),
  services: Type.Object({ database: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]) }),
});

/**
 * `/health` answers 200 while this node can serve (its database answers) and 503 otherwise, so a
 * load balancer stops sending it traffic; `/health/live` only says the process is up.
 */
export async function healthRoutes(app: FastifyInstance, core: Core): Promise<void> {
  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Readiness: database status, version, uptime', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const database = (await core.checkDatabase()) ? 'healthy' : 'unhealthy';
      const healthy = database === 'healthy';
      return reply.code(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        timestamp: new Date(core.clock.now()).toISOString(),
        version,
        uptime: Math.floor((core.clock.now() - core.startedAt) / 1000),
        services: { database },
      });
    },
  );
  app.get('/health/live', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'alive' }));
}
