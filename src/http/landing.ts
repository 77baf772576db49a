import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { gitSha, version } from '../version.ts';
import { overallHealth } from './health.ts';
import type { MountedProfile } from './mounts.ts';

/** A mounted profile as the landing page lists it: where its REST API, socket and docs are. */
interface ProfileEntry {
  name: string;
  title: string;
  document: string;
  rest: string;
  websocket: string | null;
  openapi: string;
}

function entries(mounts: readonly MountedProfile[]): ProfileEntry[] {
  return mounts.map(({ profile, mount }) => ({
    name: profile.name,
    title: profile.title,
    document: profile.document,
    rest: `${mount}${profile.basePath}`,
    websocket: profile.socket ? `${mount}${profile.socket.path}` : null,
    openapi: `/openapi/${profile.name}.json`,
  }));
}

/** Text made safe inside HTML (element content and quoted attributes). */
export const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(profiles: readonly ProfileEntry[], health: string, web: boolean): string {
  const rows = profiles
    .map(
      (p) =>
        `<tr><td><strong>${escape(p.name)}</strong><br><small>${escape(p.title)}</small></td>` +
        `<td><code>${escape(p.rest)}</code></td><td>${p.websocket ? `<code>${escape(p.websocket)}</code>` : '—'}</td>` +
        `<td><a href="/docs/?urls.primaryName=${encodeURIComponent(`${p.name}: ${p.title}`)}">docs</a> · <a href="${escape(p.openapi)}">OpenAPI</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley ${escape(version)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  code { font-size: .9em; }
  @media (prefers-color-scheme: dark) { body { background: #111; color: #ddd; } a { color: #8ab4f8; } th, td { border-color: #333; } }
</style>
</head>
<body>
<h1>Parley <small>${escape(version)}</small></h1>${gitSha ? `\n<p><small>commit <code>${escape(gitSha.slice(0, 12))}</code></small></p>` : ''}
<p>A self-hosted instant-messaging server that speaks the REST and WebSocket APIs of several
messengers from one core: an account made through any of them works through all of them.</p>
${web ? '<p><strong><a href="/app/">Open Parley Web</a></strong>, the chat client in your browser · server admins: <a href="/app/admin/">admin console</a></p>\n' : ''}<p>Health: <a href="/health">${escape(health)}</a> · API explorer: <a href="/docs">/docs</a></p>
<h2>APIs served here</h2>
<table>
<thead><tr><th>profile</th><th>REST</th><th>WebSocket</th><th>reference</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}

/**
 * `GET /` on the main port: what this server is, its version, the mounted profiles with their
 * docs, and its health — a page for a person, JSON for a client that asks for it.
 */
export function landingRoute(app: FastifyInstance, core: Core, mounts: readonly MountedProfile[]): void {
  const profiles = entries(mounts);
  const web = core.config.webApp.enabled;
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { database, redis } = await core.health.check();
    const health = overallHealth(database, redis);
    const accept = request.headers.accept ?? '';
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      return reply.send({ name: 'parley', version, commit: gitSha, health, docs: '/docs', web: web ? { client: '/app/', admin: '/app/admin/' } : null, profiles });
    }
    return reply.type('text/html; charset=utf-8').send(page(profiles, health, web));
  });
}
