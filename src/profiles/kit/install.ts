import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import type { DeviceInfo, Page, PageRequest } from '../../domain/types.ts';
import { deviceOf } from '../../http/device.ts';
import { toAppError } from '../../http/errors.ts';
import type { AccessClaims, TokenPolicy } from '../../services/tokens.ts';
import { externalBase, fileLinks, type FileLinks } from './links.ts';
import type { Profile } from './profile.ts';
import { querySchemaProps, routerPath, type Context, type RouteDef } from './route.ts';
import type { Services } from './services.ts';

/** What a mounted profile is given: the services, and what links need. */
export interface MountDeps {
  services: Services;
  publicUrl: string | undefined;
}

/** Answers an error in the profile's envelope (REST: the error handler; also its 404s). */
export function sendProfileError(profile: Profile, err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(err);
  if (appError.status >= 500) request.log.error({ err: (appError.cause as Error | undefined) ?? err }, 'request failed');
  if (appError.retryAfter !== undefined) void reply.header('retry-after', String(appError.retryAfter));
  const { status, body } = profile.errors.render(appError, request.id, Date.now(), { acceptLanguage: request.headers['accept-language'] });
  return reply.code(status).send(body);
}

class RequestContext implements Context<unknown, unknown, unknown, unknown> {
  private fileLinks: FileLinks | undefined;
  private pageRequest: PageRequest | undefined;

  constructor(
    readonly request: FastifyRequest,
    readonly reply: FastifyReply,
    readonly services: Services,
    readonly params: unknown,
    private readonly def: RouteDef,
    private readonly filesRoot: string,
    private readonly publicUrl: string | undefined,
    readonly tokenPolicy: TokenPolicy,
  ) {}

  get query(): unknown {
    return this.request.query;
  }

  get body(): unknown {
    return this.request.body;
  }

  get session(): AccessClaims {
    if (!this.request.claims) throw new AppError('UNAUTHORIZED', 'authentication required');
    return this.request.claims;
  }

  get me(): number {
    return this.session.userId;
  }

  get links(): FileLinks {
    return (this.fileLinks ??= fileLinks(externalBase(this.publicUrl, this.request), this.filesRoot));
  }

  get rootLinks(): FileLinks {
    return fileLinks(this.publicUrl ?? '', this.filesRoot);
  }

  get page(): PageRequest {
    const paging = this.def.options.paging;
    if (!paging) throw new Error(`${this.def.method} ${this.def.path} has no paging`);
    return (this.pageRequest ??= paging.request(this.request.query));
  }

  device(extra?: Partial<DeviceInfo>): DeviceInfo {
    return deviceOf(this.request, extra);
  }

  paged(page: Page<unknown>): unknown {
    return this.def.options.paging!.fields(page, this.page);
  }
}

function noBodyIsEmpty(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  request.body ??= {};
  done();
}

/**
 * The multipart parser is registered for the uploads and so accepts a form on every route; a
 * route that reads JSON refuses one as it refuses text/plain, before its body is looked at (a
 * form would otherwise read as no body: an optional body's defaults, a logout done).
 */
function jsonOnly(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  if (request.isMultipart()) done(new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
  else done();
}

const readsJson = (o: RouteDef['options']) => (o.body !== undefined || o.bodyOptional === true) && !(o.consumes ?? []).includes('multipart/form-data');

function paramsSchema(def: RouteDef): TSchema | undefined {
  const codecs = def.options.params;
  if (!codecs) return undefined;
  return Type.Object(Object.fromEntries(Object.entries(codecs).map(([name, codec]) => [name, codec.schema])));
}

function decodeParams(def: RouteDef, raw: unknown): Record<string, unknown> {
  const codecs = def.options.params ?? {};
  const given = (raw ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(codecs).map(([name, codec]) => [name, codec.decode(given[name] ?? '', name)]));
}

function responses(profile: Profile, def: RouteDef): Record<string, unknown> {
  const errors = { '4xx': profile.envelope.errorSchema, '5xx': profile.envelope.errorSchema };
  const o = def.options;
  const status = o.status ?? 200;
  if (o.raw) {
    const body = o.data;
    if (!body) return errors;
    return { ...errors, [status]: body, ...Object.fromEntries((o.rawAlsoOn ?? []).map((code) => [code, body])) };
  }
  if (status === 204) return { 204: { type: 'null', description: 'No Content' }, ...errors };
  return { [status]: profile.envelope.successSchema(o.data ?? Type.Object({})), ...errors };
}

/**
 * Registers a profile's routes on a scope already prefixed with its mount: schemas (params,
 * query with paging, body, the envelope-wrapped response and error shapes), OpenAPI tags and
 * security, the auth and rate classes the guard reads, and the profile's error answer.
 */
export function installProfile(scope: FastifyInstance, profile: Profile, mount: string, deps: MountDeps): void {
  scope.setErrorHandler((err, request, reply) => sendProfileError(profile, err, request, reply));
  const filesRoot = `${mount}${profile.filesPath}`;
  const tokenPolicy: TokenPolicy = {
    ...(profile.accessTokenTtl !== undefined && { accessTtl: profile.accessTokenTtl }),
    ...(profile.oneSessionPerDevice && { onePerDevice: true }),
  };
  for (const def of profile.routes) {
    const o = def.options;
    const query = querySchemaProps(o);
    const params = paramsSchema(def);
    const preValidation = [...(readsJson(o) ? [jsonOnly] : []), ...(o.bodyOptional ? [noBodyIsEmpty] : [])];
    scope.route({
      method: def.method,
      url: routerPath(def.path),
      config: { auth: o.auth ?? true, profile: profile.name, ...(o.rate && { rateClass: o.rate }) },
      ...(preValidation.length > 0 && { preValidation }),
      schema: {
        summary: o.summary,
        ...(o.description && { description: o.description }),
        tags: [profile.name, ...(o.tags ?? [])],
        ...(o.auth !== false && { security: o.auth === 'optional' ? [{ bearerAuth: [] }, {}] : [{ bearerAuth: [] }] }),
        ...(params && { params }),
        ...(query && { querystring: Type.Object(query) }),
        ...(o.body && { body: o.body }),
        // Read by the OpenAPI documents: a body that may be left out is not required.
        ...(o.bodyOptional && { 'x-body-optional': true }),
        ...(o.consumes && { consumes: o.consumes }),
        response: responses(profile, def),
      },
      handler: async (request, reply) => {
        const c = new RequestContext(request, reply, deps.services, decodeParams(def, request.params), def, filesRoot, deps.publicUrl, tokenPolicy);
        const data = await (def.handler as (c: RequestContext) => Promise<unknown>)(c);
        if (o.raw) return data;
        const status = o.status ?? 200;
        if (status === 204) return reply.code(204).send();
        const message = typeof o.message === 'function' ? (o.message as (c: RequestContext) => string)(c) : (o.message ?? 'success');
        return reply.code(status).send(profile.envelope.success(o.data ? data : {}, message, status, Date.now()));
      },
    });
  }
}
