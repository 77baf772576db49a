import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TObject, TProperties, TSchema } from 'typebox';
import type { RateClass } from '../../config.ts';
import type { DeviceInfo, Page, PageRequest } from '../../domain/types.ts';
import type { AccessClaims, TokenPolicy } from '../../services/tokens.ts';
import type { IdCodec } from './ids.ts';
import type { FileLinks } from './links.ts';
import type { Paging } from './paging.ts';
import type { Services } from './services.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ParamCodecs = Record<string, IdCodec<unknown>>;
type ParamsOf<P> = { [K in keyof P]: P[K] extends IdCodec<infer T> ? T : never };
type Maybe<S, Fallback> = S extends TSchema ? Static<S> : Fallback;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any paging: its query and result are the route's own business
type AnyPaging = Paging<any, any>;
type PagingQuery<G> = G extends Paging<infer Q, unknown> ? Q : unknown;
type PagingResult<G> = G extends Paging<unknown, infer R> ? R : never;

/** What a handler gets: the decoded request, the caller, the services and link builders. */
export interface Context<P = unknown, Q = unknown, B = unknown, R = never> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly services: Services;
  /** The caller's user id (authenticated routes). */
  readonly me: number;
  /** The caller's session (authenticated routes). */
  readonly session: AccessClaims;
  /** The page asked for (routes with `paging`). */
  readonly page: PageRequest;
  /** Links to files, absolute from this request's base. */
  readonly links: FileLinks;
  /** Links to files as frames carry them: absolute from PUBLIC_URL when set, else root-relative (the same for every client). */
  readonly rootLinks: FileLinks;
  /** How long the tokens this profile hands out live (pass it to the auth service). */
  readonly tokenPolicy: TokenPolicy;
  /** What the request says about the client's device; the document's fields may add to it. */
  device(extra?: Partial<DeviceInfo>): DeviceInfo;
  /** The paging fields of a result (routes with `paging`). */
  paged(page: Page<unknown>): R;
  /** For what a mapping cannot say declaratively: multipart uploads, streamed downloads. */
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface RouteOptions<P extends ParamCodecs | undefined, Q extends TObject | undefined, B extends TSchema | undefined, G extends AnyPaging | undefined, D extends TSchema | undefined> {
  summary: string;
  description?: string;
  /**
   * Routes need a bearer token unless `auth: false`. `optional`: a given token is checked, and
   * the handler decides what an anonymous caller may do (`c.me` answers 401 without one).
   */
  auth?: boolean | 'optional';
  /** Rate-limit class; authenticated routes count as `query` otherwise. */
  rate?: RateClass;
  params?: P;
  query?: Q;
  body?: B;
  /** A request without a body reads as `{}` (a body whose every field is optional, e.g. a logout). */
  bodyOptional?: boolean;
  paging?: G;
  /** The schema of the success data (inside the profile's envelope). Without it the data is `{}` (none for 204 and raw routes). */
  data?: D;
  /** Success status (default 200). */
  status?: 200 | 201 | 204;
  /** The envelope's message on success, where the envelope has one. */
  message?: string | ((c: RouteContext<P, Q, B, G>) => string);
  /** Request content types other than JSON, for the OpenAPI document (e.g. multipart/form-data). */
  consumes?: string[];
  /**
   * The handler answers through `c.reply` itself (downloads, a health check): no envelope. With
   * `data`, that schema is the bare body of the success status and of `rawAlsoOn`'s statuses.
   */
  raw?: boolean;
  /** Statuses a raw route answers with its `data` body too, not the profile's error (a health check's 503). */
  rawAlsoOn?: readonly number[];
  /** Added to the OpenAPI tags after the profile's name. */
  tags?: string[];
}

/** The context a route's handler (and message) sees: its decoded params, query, body and paging. */
export type RouteContext<P, Q, B, G> = Context<
  P extends ParamCodecs ? ParamsOf<P> : Record<string, never>,
  Maybe<Q, Record<string, never>> & PagingQuery<G>,
  Maybe<B, undefined>,
  PagingResult<G>
>;

export type Handler<P, Q, B, G, D> = (c: RouteContext<P, Q, B, G>) => Promise<D extends TSchema ? Static<D> : void>;

/** One route of a document, declared before anything is registered. */
export interface RouteDef {
  method: Method;
  /** The path as the document writes it, `{param}` included, below the profile's mount. */
  path: string;
  /** Erased to what the kit reads; `define` checked them against the route's own types. */
  options: Omit<RouteOptions<ParamCodecs | undefined, TObject | undefined, TSchema | undefined, AnyPaging | undefined, TSchema | undefined>, 'message'> & {
    message?: string | ((c: never) => string);
  };
  handler: (c: never) => Promise<unknown>;
}

function define(method: Method) {
  return <
    P extends ParamCodecs | undefined = undefined,
    Q extends TObject | undefined = undefined,
    B extends TSchema | undefined = undefined,
    G extends AnyPaging | undefined = undefined,
    D extends TSchema | undefined = undefined,
  >(
    path: string,
    options: RouteOptions<P, Q, B, G, D>,
    handler: Handler<P, Q, B, G, D>,
  ): RouteDef => ({ method, path, options, handler });
}

/** `route.post('/api/chats/{chat_id}/messages', {...}, async (c) => ...)` */
export const route = {
  get: define('GET'),
  post: define('POST'),
  put: define('PUT'),
  patch: define('PATCH'),
  delete: define('DELETE'),
};

/** The document path in Fastify's syntax: `{chat_id}` → `:chat_id`. */
export function routerPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The query schema a route validates: its own fields and its paging's. */
export function querySchemaProps(options: RouteDef['options']): TProperties | undefined {
  if (!options.query && !options.paging) return undefined;
  return { ...(options.paging?.query ?? {}), ...(options.query?.properties ?? {}) };
}
