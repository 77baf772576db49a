import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyError, type FastifyBaseLogger, type RawServerDefault, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import { installProfile, sendProfileError } from '../profiles/kit/install.ts';
import { mountedSocket } from '../profiles/kit/profile.ts';
import { servicesOf } from '../profiles/kit/services.ts';
import type { SocketEndpoint } from '../realtime/codec.ts';
import type { Gateway } from '../realtime/gateway.ts';
import { redactQuery } from '../redaction.ts';
import { version } from '../version.ts';
import { installGuards } from './guard.ts';
import { toAppError } from './errors.ts';
import { answerRaw } from './raw-answer.ts';
import { newRequestId } from './request-id.ts';
import { healthRoutes } from './health.ts';
import { checkCollisions, ownerOf, type Listener } from './mounts.ts';
import { openApiDocuments } from './openapi.ts';
import { installStrictParsers, parseQuery } from './parsers.ts';
import { trustProxyOption } from './trust-proxy.ts';
import { upgradeBase } from './external-base.ts';
import { landingRoute } from './landing.ts';
import { webAppRoutes } from './web-app.ts';
import { metricsRoute } from '../metrics/exposure.ts';
import { lazySerializers, lazyValidators } from './lazy-schemas.ts';
import { validatorCompiler } from './validation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket gateway serving every profile's socket. */
    gateway: Gateway;
  }
  interface FastifyContextConfig {
    /** The profile a route belongs to (the metrics' `profile` label). */
    profile?: string;
  }
}


const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : newRequestId();
}

/** Probes and scrapes, every few seconds each: their lines would drown the others. */
const unlogged = (url: string) => url.startsWith('/health') || url.startsWith('/metrics');

/**
 * One info line per request (on completion) with the client's address (through TRUST_PROXY) and
 * the caller's user id once authenticated; arrival is debug; probes and scrapes are not logged.
 */
class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: (request) => unlogged(request.url) });
  }

  override incomingRequest(request: FastifyRequest, _reply: FastifyReply): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: redactQuery(request.url),
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      remoteAddress: request.ip,
      userId: request.claims?.userId,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

// A path segment longer than any id of any document: it names nothing, so it is a 404, as an
// unknown id of any form is in every document's decisions.
const maxParamLength = 200;

function routingError(error: FastifyError): AppError {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return new AppError('NOT_FOUND', `nothing here has a path segment longer than ${maxParamLength} characters`);
  if (error.code === 'FST_ERR_BAD_URL') return new AppError('BAD_REQUEST', 'the path is not valid percent-encoded UTF-8');
  return new AppError('BAD_REQUEST', error.message);
}

/** A path under no mount at all (none at the root). */
function unowned(error: AppError) {
  return { code: error.status, message: error.status === 404 ? 'not found' : 'bad request', error: error.message };
}

/** Answers a request Node's HTTP parser refused, then closes the connection (as Node would). */
function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Duplex, listener: Listener): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Node hands the bytes it read as a Buffer (Fastify's type says otherwise).
  const requestLine = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.toString('latin1').split('\r\n', 1)[0]! : '';
  const path = /^[A-Z]+ (\/[^\s?]*)/.exec(requestLine)?.[1] ?? '/';
  const error = new AppError('BAD_REQUEST', err.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : 'the request is not valid HTTP/1.1');
  const owner = ownerOf(listener.mounts, path);
  const { status, body } = owner ? owner.profile.errors.render(error, '', Date.now()) : { status: error.status, body: unowned(error) };
  answerRaw(socket, status, JSON.stringify(body));
}

/**
 * The HTTP server of one listener: the shared plumbing (parsers, helmet, CORS, multipart), each
 * profile mounted on it with its guard and error answer, one not-found answer for the whole
 * listener in the envelope of the profile that owns the path, and its sockets on the gateway.
 * Every listener serves its OpenAPI document at /openapi.json; the main one also serves health,
 * one document per profile and the docs UI.
 */
export async function buildServer(core: Core, gateway: Gateway, listener: Listener): Promise<FastifyInstance> {
  const { config } = core;
  checkCollisions(listener, { webApp: config.webApp.enabled });
  const main = listener.port === null;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: core.logger,
    genReqId: requestId,
    logController: new RequestLog(),
    bodyLimit: config.bodyLimit,
    trustProxy: trustProxyOption(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength, querystringParser: parseQuery },
    // Bad percent-encoding or an over-long path segment, caught before any route is found: the
    // answer is still in the envelope of the profile owning the path.
    frameworkErrors: (error, request, reply) => void answerByPath(request, reply, routingError(error)),
    // What Node's HTTP parser refuses (a bad request line or header, conflicting lengths) never
    // reaches Fastify; it is answered here, in the envelope of the profile owning the path if
    // the request line names one.
    clientErrorHandler: (err, socket) => answerClientError(err, socket, listener),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    schemaController: lazySerializers(),
  });

  app.setValidatorCompiler(lazyValidators(validatorCompiler));
  installStrictParsers(app);

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
  const { metrics } = core;
  if (metrics) {
    // A request no route matched is counted under one label, whatever its path.
    app.addHook('onResponse', (request, reply, done) => {
      const { url, config: route } = request.routeOptions;
      metrics.request(request.method, url ?? 'unmatched', route.profile ?? '', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

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
    // An OPTIONS request without Origin is not a browser's preflight; answer it like any other.
    strictPreflight: false,
  });

  // Uploads stream part by part (see uploads.ts). The file limit is one byte over the configured
  // size so the upload code sees the excess and answers with the profile's own error.
  await app.register(multipart, {
    limits: { fileSize: config.uploadMaxSize + 1, files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 200 },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Parley API', version },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  const docs = openApiDocuments(() => app.swagger() as Record<string, unknown>, listener.mounts);
  app.get('/openapi.json', { schema: { hide: true } }, async () => docs.primary());
  if (main) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // Swagger UI's own options; the plugin's type knows only some of them.
      uiConfig: { urls: docs.menu, 'urls.primaryName': docs.menu[0]?.name } as Record<string, unknown>,
    });
    landingRoute(app, core, listener.mounts);
    if (config.webApp.enabled) await webAppRoutes(app, config);
    if (metrics && config.metrics.port === null) metricsRoute(app, metrics);
    app.get('/openapi/:profile', { schema: { hide: true } }, async (request, reply) => {
      const name = (request.params as { profile: string }).profile.replace(/\.json$/, '');
      const doc = docs.of(name);
      return doc ?? reply.callNotFound();
    });
    await app.register(async (scope) => healthRoutes(scope, core));
  }

  app.decorateRequest('claims', null);
  const services = servicesOf(core);
  const sockets: SocketEndpoint[] = [];
  for (const { profile, mount } of listener.mounts) {
    const socket = mountedSocket(profile, mount, services, config.publicUrl, config.compat[profile.name]);
    if (socket) sockets.push(socket);
    await app.register(
      async (scope) => {
        installGuards(scope, core);
        installProfile(scope, profile, mount, { services, publicUrl: config.publicUrl });
      },
      { prefix: mount },
    );
  }

  // Whatever fails outside a profile's routes (no route, a malformed URL or query) is answered
  // in the envelope of the profile that owns the path; a path under no mount gets a plain answer.
  const answerByPath = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const owner = ownerOf(listener.mounts, request.url.split('?')[0]!);
    return owner ? sendProfileError(owner.profile, err, request, reply) : reply.code(toAppError(err).status).send(unowned(toAppError(err)));
  };
  app.setNotFoundHandler((request: FastifyRequest, reply) =>
    answerByPath(request, reply, new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!}`)),
  );
  app.setErrorHandler((err, request, reply) => answerByPath(request, reply, err));

  app.decorate('gateway', gateway);
  app.server.on(
    'upgrade',
    gateway.upgradeHandler(sockets, (path) => {
      const owner = ownerOf(listener.mounts, path);
      const error = new AppError('NOT_FOUND', `no WebSocket endpoint at ${path}`);
      const { status, body } = owner ? owner.profile.errors.render(error, '', Date.now()) : { status: 404, body: unowned(error) };
      return { status, body: JSON.stringify(body) };
    }, upgradeBase(trustProxyOption(config.trustProxy))),
  );
  // Upgraded sockets keep the HTTP server from closing: end them first (1001), then the rest stops.
  app.addHook('preClose', async () => gateway.close());
  return app;
}
