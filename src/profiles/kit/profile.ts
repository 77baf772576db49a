import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import type { SocketEndpoint } from '../../realtime/codec.ts';
import type { Envelope } from './envelopes.ts';
import { errorTable, type ErrorTable, type ErrorTableSpec } from './errors.ts';
import type { IdCodec } from './ids.ts';
import { fileLinks } from './links.ts';
import { route, routerPath, type RouteDef } from './route.ts';
import type { Services } from './services.ts';
import type { SocketDef } from './socket.ts';

export interface ProfileSpec {
  name: string;
  /** Its name for people (OpenAPI title, docs menu). */
  title: string;
  /** The API document it implements, under ../shared/specs. */
  document: string;
  /** Its documented REST base, e.g. `/api`; the not-found answer below it is this profile's. */
  basePath: string;
  /** Where its file downloads are served below its mount, for links in answers and frames. */
  filesPath: string;
  envelope: Envelope;
  errors: ErrorTableSpec;
  routes: readonly RouteDef[];
  socket?: SocketDef;
  /** Shown at the top of its OpenAPI document. */
  description: string;
  /**
   * Seconds the access tokens it hands out live, where its document says (the shorter of this and
   * ACCESS_TOKEN_TTL applies); ACCESS_TOKEN_TTL otherwise.
   */
  accessTokenTtl?: number;
  /** Whether a login replaces the session its device already has (see TokenPolicy.onePerDevice). */
  oneSessionPerDevice?: boolean;
}

/** One API document as a mapping over the core, ready to mount. */
export interface Profile extends Omit<ProfileSpec, 'errors'> {
  readonly errors: ErrorTable;
}

/** A plain GET of a socket path answers 426 in the profile's envelope, and documents the socket. */
function socketRoute(socket: SocketDef): RouteDef {
  const names = [...socket.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return route.get(
    socket.path,
    {
      summary: 'WebSocket endpoint: upgrade with the access token (?token= or Authorization: Bearer)',
      auth: false,
      params: Object.fromEntries(names.map((n) => [n, pathText])),
    },
    async () => {
      throw new AppError('UPGRADE_REQUIRED', 'this is a WebSocket endpoint: connect with Upgrade: websocket');
    },
  );
}

const pathText: IdCodec<string> = { schema: Type.String(), decode: (raw) => raw };

/** Checks a document's mapping once, at start: every route unique, every path parameter decoded. */
export function defineProfile(spec: ProfileSpec): Profile {
  const seen = new Set<string>();
  const routes = spec.socket ? [...spec.routes, socketRoute(spec.socket)] : spec.routes;
  for (const r of routes) {
    const key = `${r.method} ${routerPath(r.path).replace(/:\w+/g, ':')}`;
    if (seen.has(key)) throw new Error(`profile ${spec.name}: ${r.method} ${r.path} is declared twice`);
    seen.add(key);
    const named = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const decoded = Object.keys(r.options.params ?? {});
    if (named.sort().join() !== decoded.sort().join()) {
      throw new Error(`profile ${spec.name}: ${r.method} ${r.path} must declare a codec for each path parameter (has ${decoded.join(', ') || 'none'})`);
    }
  }
  return { ...spec, routes, errors: errorTable(spec.envelope, spec.errors) };
}

// Bases a socket keeps a codec for; a client inventing Host headers gets root-relative links
// beyond this instead of growing the set (and the per-frame encoding work) without bound.
const MAX_SOCKET_BASES = 16;

/**
 * A profile's socket as mounted: its path below the mount, and file links in frames from
 * PUBLIC_URL, else from the scheme and host each client connected with (one codec per base, so
 * a frame is still encoded once for all the receivers that share it), and the compatibility
 * modes the deployment switched on for it.
 */
export function mountedSocket(
  profile: Profile,
  mount: string,
  services: Services,
  publicUrl: string | undefined,
  compat: readonly string[] = [],
): SocketEndpoint | undefined {
  const socket = profile.socket;
  if (!socket) return undefined;
  const filesPath = `${mount}${profile.filesPath}`;
  const at = (base: string) => socket.endpoint(profile.name, mount, { services, links: fileLinks(base, filesPath), errors: profile.errors }, compat);
  const fixed = at(publicUrl ?? '');
  if (publicUrl !== undefined) return fixed;
  const byBase = new Map<string, SocketEndpoint['codec']>();
  const codecAt = (base: string) => {
    let codec = byBase.get(base);
    if (!codec) {
      if (byBase.size >= MAX_SOCKET_BASES) return fixed.codec;
      byBase.set(base, (codec = at(base).codec));
    }
    return codec;
  };
  return { ...fixed, codecAt };
}
