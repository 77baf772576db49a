import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { explainListenError } from '../startup-errors.ts';
import type { Metrics } from './metrics.ts';

/** The text a scrape answers; a failed collection is a 500 the scraper reports, never a crash. */
async function scrape(metrics: Metrics): Promise<{ status: number; type: string; body: string }> {
  try {
    return { status: 200, type: metrics.contentType, body: await metrics.exposition() };
  } catch (err) {
    return { status: 500, type: 'text/plain; charset=utf-8', body: `collecting metrics failed: ${(err as Error).message}\n` };
  }
}

/** GET /metrics on a Fastify listener (the main one, unless METRICS_PORT gives them a port of their own). */
export function metricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics of this node (text exposition format)',
        description: 'Meant for the monitoring network: block it at the reverse proxy, or serve it on METRICS_PORT.',
      },
    },
    async (_request, reply) => {
      const { status, type, body } = await scrape(metrics);
      return reply.code(status).type(type).send(body);
    },
  );
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * A listener serving only GET /metrics, on a port of its own: a plain Node server, since it has
 * one route, no clients but Prometheus, and nothing of the API's plumbing to share.
 */
export async function listenMetrics(metrics: Metrics, host: string, port: number): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 404, message: 'not found', error: 'only GET /metrics is served on this port' }));
      return;
    }
    void scrape(metrics).then(({ status, type, body }) => {
      res.writeHead(status, { 'content-type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(explainListenError(err, host, port, { variable: 'METRICS_PORT' }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
