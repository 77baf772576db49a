import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../core.ts';
import { gitSha, version } from '../version.ts';

const Status = Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]);

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')], {
    description: 'unhealthy: the database is unreachable (503); degraded: Redis is, and this node serves its own clients only',
  }),
  timestamp: Type.String(),
  version: Type.String({ description: "this build's version (package.json)" }),
  commit: Type.Union([Type.String(), Type.Null()], { description: 'the git commit this build was made from; null when unknown' }),
  uptime: Type.Integer({ description: 'seconds since this node started' }),
  node: Type.String({ description: 'this node (NODE_ID)' }),
  services: Type.Object({
    database: Status,
    redis: Type.Union([Status, Type.Literal('not_configured')]),
  }),
});

/** The node's state from its dependencies': unhealthy without its database, degraded without Redis. */
export function overallHealth(database: string, redis: string): 'healthy' | 'degraded' | 'unhealthy' {
  return database !== 'healthy' ? 'unhealthy' : redis === 'unhealthy' ? 'degraded' : 'healthy';
}

/**
 * `/health` is readiness: 200 while this node can serve (its database answers) and 503 otherwise,
 * so a load balancer stops sending it traffic. Redis being away does not fail it: the node still
 * serves its clients, and events of other nodes still reach them through the event log, only
 * later; it shows as `degraded`. `/health/live` only says the process is up.
 */
export async function healthRoutes(app: FastifyInstance, core: Core): Promise<void> {
  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Readiness: database and Redis status, version and commit, uptime', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const { database, redis: redisStatus } = await core.health.check();
      const db = database === 'healthy';
      return reply.code(db ? 200 : 503).send({
        status: overallHealth(database, redisStatus),
        timestamp: new Date(core.clock.now()).toISOString(),
        version,
        commit: gitSha,
        uptime: Math.floor((core.clock.now() - core.startedAt) / 1000),
        node: core.nodeId,
        services: { database, redis: redisStatus },
      });
    },
  );
  app.get('/health/live', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'alive' }));
}
