import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type RawServerDefault, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import { Gateway, type GatewayEndpoint } from '../realtime/gateway.ts';
import { version } from '../version.ts';
import { sendError } from './errors.ts';
import { installGuards } from './guard.ts';
import { healthRoutes } from './health.ts';
import type { Profile } from './profile.ts';
import { validatorCompiler } from './validation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket gateway serving every profile's socket. */
    gateway: Gateway;
  }
}

export interface MountedProfile {
  profile: Profile;
  mount: string;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : `req_${randomUUID().replace(/-/g, '')}`;
}

/** WebSocket clients put their token in the query string; keep it out of the logs. */
function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/i, '$1[redacted]');
}

/** One info line per request (on completion); arrival is debug; health probes are not logged. */
class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: (request) => request.url.startsWith('/health') });
  }

  override incomingRequest(request: FastifyRequest, _reply: FastifyReply): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { method: request.method, url: redactToken(request.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export async function buildServer(core: Core, mounts: readonly MountedProfile[]): Promise<FastifyInstance> {
  const { config } = core;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: core.logger,
    genReqId: requestId,
    logController: new RequestLog(),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  app.setValidatorCompiler(validatorCompiler);
  // Clients often send `Content-Type: application/json` with an empty body on POSTs such as
  // logout; treat that as "no body" instead of a parse error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  // A JSON API: a text/plain body is a client mistake (415), not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    void jsonParser(request, body as string, done);
  });

  // While shutting down, in-flight responses tell keep-alive clients to hang up, so close()
  // does not wait for idle sockets that the client would otherwise keep open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
  });

  await app.register(helmet, {
    // API responses are JSON; the docs page sets its own policy (swagger-ui staticCSP).
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cors, {
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Device-Id', 'Range'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Content-Range', 'Content-Disposition'],
    maxAge: 600,
  });

  // Uploads stream part by part (see uploads.ts). The file limit is one byte over the configured
  // size so the upload code sees the excess and answers with the profile's own error.
  await app.register(multipart, {
    limits: { fileSize: config.uploadMaxSize + 1, files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 200 },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Parley API',
        version,
        description: 'The primary (zhihang) API of Parley and the operational endpoints. Responses use the {code, message, data, timestamp, success} envelope.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => healthRoutes(scope, core));

  const sockets: GatewayEndpoint[] = [];
  for (const { profile, mount } of mounts) {
    const codec = profile.socket?.(core, mount);
    if (codec) sockets.push({ path: mount + codec.path, codec });
    await app.register(
      async (scope) => {
        installGuards(scope, core);
        scope.addHook('onRoute', (route) => {
          const schema = (route.schema ??= {}) as Record<string, unknown>;
          schema.tags ??= [profile.name];
          if (route.config?.auth !== false) schema.security ??= [{ bearerAuth: [] }];
        });
        scope.setErrorHandler((err, request, reply) => sendError(profile.renderError, err, request, reply));
        scope.setNotFoundHandler((request, reply) =>
          sendError(profile.renderError, new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply),
        );
        await profile.routes(scope, core);
        if (codec) {
          scope.get(
            codec.path,
            {
              config: { auth: false },
              schema: {
                summary: 'WebSocket endpoint: upgrade with ?token=<access_token> (or Authorization: Bearer) and optionally since=<last seq>',
              },
            },
            async () => {
              throw new AppError('UPGRADE_REQUIRED', 'this is a WebSocket endpoint: connect with Upgrade: websocket');
            },
          );
        }
      },
      { prefix: mount },
    );
  }

  const gateway = new Gateway(core, sockets);
  app.decorate('gateway', gateway);
  app.server.on('upgrade', gateway.handleUpgrade);
  // Upgraded sockets keep the HTTP server from closing: end them first (1001), then the rest stops.
  app.addHook('preClose', async () => gateway.close());

  if (!mounts.some((m) => m.mount === '')) {
    app.setNotFoundHandler((request: FastifyRequest, reply) =>
      reply.code(404).send({ code: 404, message: 'not found', error: `no route ${request.method} ${request.url.split('?')[0]}` }),
    );
  }
  return app;
}
