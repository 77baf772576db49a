import fc from 'fast-check';
import type { MountedProfile } from '../../src/http/mounts.ts';
import { answerers, routedBy } from './plans.ts';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import type { Fixture } from './fixture.ts';
import { showBytes } from './json.ts';
import type { RawRequest } from './raw-http.ts';

/**
 * Requests aimed beside the route tables: paths no route declares (each answered by the profile
 * that owns the path), WebSocket upgrades with a broken token, `since`, path or handshake, and
 * requests broken below HTTP's meaning (bytes Node's parser refuses, conflicting lengths, a
 * header section over the limit). Each case says whether it must be refused.
 */

export interface Listening {
  /** null: the main listener. */
  port: number | null;
  mounts: readonly MountedProfile[];
}

export interface EdgeCase {
  label: string;
  /** Builds the request from the fixture (its token, its ids). */
  build(fixture: Fixture | undefined): RawRequest;
  /** Why it must be refused (a 4xx), if it must. */
  refuse?: string;
  /** The path as sent (its owner's envelope answers). */
  pathname: string;
}

/** An edge case with a readable face in fast-check's counterexample. */
function edge(c: EdgeCase): EdgeCase {
  const show = () => {
    const r = c.build(undefined);
    const target = typeof r.target === 'string' ? Buffer.from(r.target, 'latin1') : r.target;
    return `[${c.label}] ${r.method} ${showBytes(target, 200)}\n${r.headers.map(([k, v]) => `${k}: ${showBytes(Buffer.from(v, 'latin1'), 120)}`).join('\n')}${r.body ? `\n\n${showBytes(r.body, 200)}` : ''}`;
  };
  return Object.defineProperty(c, fc.toStringMethod, { value: show, enumerable: false });
}

const token = (f: Fixture | undefined) => f?.token ?? '{{token}}';


const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/) },
  { weight: 1, arbitrary: fc.constantFrom('%FF', '%00', '..', '.', '%2e%2e', '%2F', 'x'.repeat(300), '%E4%B8%AD', '~', '*') },
);

/** Paths no route may declare, under each mount and documented base, with any method. */
export function unknownPaths(l: Listening): fc.Arbitrary<EdgeCase> {
  const prefixes = [...new Set(l.mounts.flatMap((m) => [m.mount, `${m.mount}${m.profile.basePath}`]))];
  return fc
    .tuple(
      fc.constantFrom(...prefixes),
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'),
      fc.boolean(),
      fc.constantFrom('', '?x=1', '?limit=-1', '?%FF=%FF'),
    )
    .map(([prefix, segments, method, auth, query]) => {
      const pathname = `${prefix}/${segments.join('/')}`;
      return edge({
        label: `unknown-path ${method}`,
        pathname,
        ...(routedBy(l.mounts, method, pathname).length === 0 && { refuse: 'no route declares it' }),
        build: (f) => ({
          method,
          target: `${pathname}${query}`,
          headers: auth ? [['Authorization', `Bearer ${token(f)}`]] : [],
          ...(method === 'POST' || method === 'PUT' ? { body: Buffer.from('{}') } : {}),
        }),
      });
    });
}

const upgradeHeaders: [string, string][] = [
  ['Connection', 'Upgrade'],
  ['Upgrade', 'websocket'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ['Sec-WebSocket-Version', '13'],
];

/** Upgrades to a profile's socket, each broken in one way (two valid ones beside them). */
export function upgrades(profile: Profile, mount: string, userId: (f: Fixture | undefined) => string): EdgeCase[] {
  const path = (f: Fixture | undefined) => `${mount}${profile.socket!.path}`.replace(/\{\w+\}/g, () => userId(f));
  const headers = (f: Fixture | undefined, auth: string | null, change: [string, string | null][] = []) => {
    const base: [string, string][] = [...upgradeHeaders, ...(auth === null ? [] : ([['Authorization', auth.replace('{{token}}', token(f))]] as [string, string][]))];
    let out = base;
    for (const [k, v] of change) out = [...out.filter(([x]) => x !== k), ...(v === null ? [] : ([[k, v]] as [string, string][]))];
    return out;
  };
  const c = (label: string, refuse: string | undefined, target: (f: Fixture | undefined) => string, hs: (f: Fixture | undefined) => [string, string][], method = 'GET') =>
    edge({ label: `upgrade:${label}`, pathname: target(undefined).split('?')[0]!, ...(refuse && { refuse }), build: (f) => ({ method, target: target(f), headers: hs(f) }) });
  const bearer = 'Bearer {{token}}';
  const cases: EdgeCase[] = [
    c('valid', undefined, path, (f) => headers(f, bearer)),
    c('valid-query-token', undefined, (f) => `${path(f)}?token=${token(f)}`, (f) => headers(f, null)),
    c('no-token', 'no token', path, (f) => headers(f, null)),
    c('garbage-token', 'a bad token', path, (f) => headers(f, 'Bearer garbage')),
    c('garbage-query-token', 'a bad token', (f) => `${path(f)}?token=%FF%FE`, (f) => headers(f, null)),
    ...['-1', 'abc', '1e3', '0x10', '%FF', '9'.repeat(30), '1.5', '%2012'].map((since) => c(`since=${since}`, 'a malformed since', (f) => `${path(f)}?since=${since}`, (f) => headers(f, bearer))),
    c('unknown-socket-path', 'no socket there', (f) => `${path(f)}/zz-nope`, (f) => headers(f, bearer)),
    c('invalid-percent-path', 'no socket there', (f) => `${path(f)}%FF`, (f) => headers(f, bearer)),
    c('bad-version', 'an unsupported WebSocket version', path, (f) => headers(f, bearer, [['Sec-WebSocket-Version', '99']])),
    c('no-key', 'no Sec-WebSocket-Key', path, (f) => headers(f, bearer, [['Sec-WebSocket-Key', null]])),
    c('bad-key', 'a malformed Sec-WebSocket-Key', path, (f) => headers(f, bearer, [['Sec-WebSocket-Key', 'short']])),
    c('post', 'an upgrade must be a GET', path, (f) => headers(f, bearer), 'POST'),
  ];
  return cases;
}

/** Requests Node's HTTP parser (or the router) refuses before any route runs (two it must not). */
export function rawRequests(l: Listening): EdgeCase[] {
  const prefix = l.mounts[0] ? `${l.mounts[0].mount}${l.mounts[0].profile.basePath}` : '';
  const p = `${prefix}/zz`;
  const auth = (f: Fixture | undefined): [string, string] => ['Authorization', `Bearer ${token(f)}`];
  const c = (label: string, pathname: string, build: EdgeCase['build'], refuse: string | null = 'a malformed request') => edge({ label: `raw:${label}`, pathname, ...(refuse !== null && { refuse }), build });
  const bytesTarget = (...parts: (string | number[])[]) => Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from(x))));
  const cases: EdgeCase[] = [
    c('byte-ff-in-path', p, (f) => ({ method: 'GET', target: bytesTarget(p, [0xff]), headers: [auth(f)] })),
    c('utf8-bytes-in-path', p, (f) => ({ method: 'GET', target: bytesTarget(p, [0xe4, 0xb8, 0xad]), headers: [auth(f)] })),
    c('space-in-path', p, (f) => ({ method: 'GET', target: `${p} 12`, headers: [auth(f)] })),
    c('control-in-path', p, (f) => ({ method: 'GET', target: bytesTarget(p, [0x01]), headers: [auth(f)] })),
    c('nul-in-path', p, (f) => ({ method: 'GET', target: bytesTarget(p, [0x00]), headers: [auth(f)] })),
    c('control-in-header', p, () => ({ method: 'GET', target: p, headers: [['Authorization', 'Bearer \u0001\u0002']] })),
    c('bad-header-name', p, (f) => ({ method: 'GET', target: p, headers: [auth(f), ['Bad Header', 'x']] })),
    c('header-over-16k', p, (f) => ({ method: 'GET', target: p, headers: [auth(f), ['X-Big', 'a'.repeat(20_000)]] })),
    c('unknown-method', p, (f) => ({ method: 'FOO', target: p, headers: [auth(f)] })),
    c('lower-case-method', p, (f) => ({ method: 'get', target: p, headers: [auth(f)] })),
    c('content-length-and-chunked', p, (f) => ({ method: 'POST', target: p, headers: [auth(f), ['Content-Type', 'application/json'], ['Content-Length', '2'], ['Transfer-Encoding', 'chunked']], body: Buffer.from('2\r\n{}\r\n0\r\n\r\n') })),
    c('two-content-lengths', p, (f) => ({ method: 'POST', target: p, headers: [auth(f), ['Content-Type', 'application/json'], ['Content-Length', '2'], ['Content-Length', '3']], body: Buffer.from('{}') })),
    c('negative-content-length', p, (f) => ({ method: 'POST', target: p, headers: [auth(f), ['Content-Type', 'application/json'], ['Content-Length', '-1']], body: Buffer.from('{}') })),
    c('bad-chunk-size', p, (f) => ({ method: 'POST', target: p, headers: [auth(f), ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: Buffer.from('zz\r\n{}\r\n0\r\n\r\n') })),
    c('absolute-form', p, (f) => ({ method: 'GET', target: `http://evil.example${p}`, headers: [auth(f)] }), null),
    c('asterisk-form', p, () => ({ method: 'OPTIONS', target: '*', headers: [] }), null),
  ];
  return cases;
}

/** Whose error envelope may answer an edge case (an upgrade goes by its path, whatever its method). */
export function edgeOwners(l: Listening, c: EdgeCase): Profile[] {
  const method = c.label.startsWith('upgrade:') ? 'GET' : c.build(undefined).method;
  return answerers(l.mounts, method, c.pathname.split('?')[0]!);
}
