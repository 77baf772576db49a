import { route } from '../../kit/route.ts';
import { version } from '../../../version.ts';
import { Health } from '../schemas.ts';

/** 健康检查接口: the document's body itself, without the envelope; 200 while the database answers, else 503. */
export const healthRoutes = [
  route.get('/v1/health', { auth: false, summary: 'Service status: database, Redis (or not_configured) and the WebSocket gateway', raw: true, data: Health, rawAlsoOn: [503] }, async (c) => {
    const report = await c.services.health.check();
    const body = {
      status: report.status,
      timestamp: new Date().toISOString(),
      version,
      services: { database: report.database, redis: report.redis, websocket: report.websocket },
    };
    return c.reply.code(report.database === 'healthy' ? 200 : 503).send(body);
  }),
];
