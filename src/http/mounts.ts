import type { ProfileMount } from '../config.ts';
import type { Profile } from '../profiles/kit/profile.ts';
import { routerPath } from '../profiles/kit/route.ts';
import { StartupError } from '../startup-errors.ts';

/** A profile and where it is served on its listener ('' is the listener's root). */
export interface MountedProfile {
  profile: Profile;
  mount: string;
}

/** One HTTP listener: the main one (HOST:PORT) or a profile's own port. */
export interface Listener {
  /** null: the main listener. */
  port: number | null;
  mounts: MountedProfile[];
}

/** Routes every listener serves itself, outside any profile. */
const ownRoutes: Record<'main' | 'own-port', readonly string[]> = {
  main: ['GET /health', 'GET /health/live', 'GET /metrics', 'GET /openapi.json', 'GET /openapi/:', 'GET /docs'],
  'own-port': ['GET /openapi.json'],
};

/** Groups the configured mounts by listener, with the profiles they name. */
export function resolveListeners(mounts: readonly ProfileMount[], known: readonly Profile[]): Listener[] {
  const byName = new Map(known.map((p) => [p.name, p]));
  const listeners = new Map<number | null, Listener>([[null, { port: null, mounts: [] }]]);
  for (const m of mounts) {
    const profile = byName.get(m.profile);
    if (!profile) throw new StartupError('PROFILES', `unknown profile "${m.profile}" (known: ${known.map((p) => p.name).join(', ')})`);
    let listener = listeners.get(m.port);
    if (!listener) listeners.set(m.port, (listener = { port: m.port, mounts: [] }));
    listener.mounts.push({ profile, mount: m.path });
  }
  return [...listeners.values()];
}

const describeMount = (m: MountedProfile, port: number | null) => `${m.profile.name}@${port === null ? '' : `:${port}`}${m.mount || (port === null ? '/' : '')}`;

/** `GET /api/chats/:` — the key two routes collide on: method and path, parameter names aside. */
function routeKey(method: string, path: string): string {
  const normalized = routerPath(path).replace(/:\w+/g, ':').replace(/\/+$/, '') || '/';
  return `${method} ${normalized}`;
}

/** Where Parley Web is served on the main listener: the whole path belongs to it. */
export const webAppPrefix = '/app';

const underPrefix = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Refuses a listener on which two mounts (or a mount and the server's own routes) claim the same
 * method and path, naming both, before anything is registered. With Parley Web on, the main
 * listener's /app and everything below it are the server's: no mount or route may be there.
 */
export function checkCollisions(listener: Listener, options: { webApp: boolean } = { webApp: true }): void {
  if (listener.port === null && options.webApp) {
    for (const m of listener.mounts) {
      const here = describeMount(m, null);
      if (underPrefix(m.mount, webAppPrefix)) throw new StartupError('PROFILES', `${here} is mounted under ${webAppPrefix}, where the server serves Parley Web; mount it elsewhere or set WEB_APP=off`);
      const taken = m.profile.routes.find((r) => underPrefix(routerPath(`${m.mount}${r.path}`), webAppPrefix));
      if (taken) throw new StartupError('PROFILES', `${here} claims ${taken.method} ${m.mount}${taken.path}, under ${webAppPrefix} where the server serves Parley Web; mount it elsewhere or set WEB_APP=off`);
    }
  }
  const owners = new Map<string, string>();
  for (const key of ownRoutes[listener.port === null ? 'main' : 'own-port']) owners.set(key, 'the server itself');
  for (const m of listener.mounts) {
    for (const r of m.profile.routes) {
      const key = routeKey(r.method, `${m.mount}${r.path}`);
      const claimed = owners.get(key);
      const here = describeMount(m, listener.port);
      if (claimed !== undefined && claimed !== here) {
        const where = listener.port === null ? 'the main port' : `port ${listener.port}`;
        throw new StartupError('PROFILES', `${claimed} and ${here} both claim ${r.method} ${m.mount}${r.path} on ${where}; mount one of them elsewhere`);
      }
      owners.set(key, here);
    }
  }
}

/**
 * The mount whose answer a path gets when nothing matches it: the one whose documented base
 * (mount + base path) is the longest prefix of the path, else the longest matching mount, else
 * the first mounted at the root.
 */
export function ownerOf(mounts: readonly MountedProfile[], path: string): MountedProfile | undefined {
  const under = (prefix: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  let best: { m: MountedProfile; length: number } | undefined;
  for (const m of mounts) {
    for (const prefix of [`${m.mount}${m.profile.basePath}`, m.mount]) {
      // A documented base counts one more than the bare mount of the same length.
      const length = prefix.length * 2 + (prefix === m.mount ? 0 : 1);
      if (under(prefix) && (!best || length > best.length)) best = { m, length };
    }
  }
  return best?.m;
}
