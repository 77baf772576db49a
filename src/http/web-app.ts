import { stat } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { escape } from './landing.ts';
import { webAppPrefix } from './mounts.ts';

/**
 * Parley Web under /app of the main port: the files `npm run build` wrote (WEB_APP_DIR), with
 * Vite's hashed assets cached for a year and the pages never, so a new build reaches browsers at
 * their next load. A path with no file is a client-side route: the admin console's page answers
 * below /app/admin, the chat client's everywhere else. The build is looked for at each request,
 * so a server started before `npm run build` serves it once it is there.
 */

const hashedAssets = 'assets/';
const forever = 'public, max-age=31536000, immutable';

/** The host a browser connected to, when it is a plain host[:port] that may go into a header. */
function sameHost(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  return host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : undefined;
}

/**
 * Scripts and styles only from this server; the app's API calls and WebSocket to this host (CSP
 * 'self' leaves out ws: and wss: in older browsers, so the host is named); images and media also
 * from blob: and data: (previews of a file being uploaded, avatars). Nothing may frame it.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: data:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The page a path below /app falls back to: the console's below /app/admin, else the client's. */
function pageFor(relative: string): string {
  return relative === 'admin' || relative.startsWith('admin/') ? 'admin/index.html' : 'index.html';
}

const notBuilt = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley Web is not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Parley Web is not built</h1>
<p>This server serves the browser client and the admin console from <code>${escape(dir)}</code>, which holds no build.
Run <code>npm run build</code> (<code>npm install</code> runs it too) and reload this page; the server need not restart.</p>
<p>The APIs do not depend on it: see <a href="/">the landing page</a>.</p>
</body></html>
`;

export async function webAppRoutes(app: FastifyInstance, config: Config): Promise<void> {
  const root = config.webApp.dir;
  // sendFile only: the routes below decide what each path answers.
  await app.register(fastifyStatic, { root, serve: false });

  const send = async (request: FastifyRequest, reply: FastifyReply, relative: string, cacheControl: string) => {
    void reply.header('cache-control', cacheControl);
    if (relative.endsWith('.html')) {
      void reply.header('content-security-policy', contentSecurityPolicy(sameHost(request)));
      // File links carry the token in their query: leaving a page must not hand them to another site.
      void reply.header('referrer-policy', 'no-referrer');
    }
    return reply.sendFile(relative, root, { cacheControl: false });
  };

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    const index = path.join(root, 'index.html');
    if (!(await isFile(index))) {
      return reply.code(503).header('cache-control', 'no-store').header('retry-after', '60').type('text/html; charset=utf-8').send(notBuilt(root));
    }
    const relative = ((request.params as { '*'?: string })['*'] ?? '').replace(/^\/+/, '');
    // `send` refuses paths that climb out of the root; these never name a file of the build.
    const safe = !relative.split('/').some((part) => part === '..' || part.startsWith('.'));
    if (safe && relative !== '' && (await isFile(path.join(root, relative)))) {
      return send(request, reply, relative, relative.startsWith(hashedAssets) ? forever : 'no-cache');
    }
    // A missing hashed file is a stale page asking for an older build's script: not a route.
    if (relative.startsWith(hashedAssets) || path.extname(relative) !== '') return reply.callNotFound();
    return send(request, reply, pageFor(relative), 'no-cache');
  };

  const options = { schema: { hide: true } };
  // The pages name their assets by absolute path (Vite's base), so /app needs no redirect to /app/.
  app.get(webAppPrefix, options, answer);
  app.get(`${webAppPrefix}/*`, options, answer);
}
