import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustFunction } from './trust-proxy.ts';

// A host as a URL may carry it: a name or IPv4 address, or a bracketed IPv6 address, and a port.
// Anything else in a Host header (quotes, slashes, spaces) must not end up inside a link.
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function lastEntry(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.at(-1) : value;
  if (text === undefined) return undefined;
  const comma = text.lastIndexOf(',');
  return (comma === -1 ? text : text.slice(comma + 1)).trim();
}

function trustTest(setting: boolean | string[] | TrustFunction): TrustFunction {
  if (typeof setting === 'function') return setting;
  if (typeof setting === 'boolean') return () => setting;
  return proxyAddr.compile(setting);
}

/**
 * The scheme and host a client used for a request Fastify does not see (a WebSocket upgrade),
 * read exactly as Fastify reads `request.protocol` and `request.host` for REST answers:
 * X-Forwarded-Proto/-Host count only when the connecting peer is a trusted proxy. So a socket's
 * frames carry the same absolute links as the REST answers its client gets. `undefined` when the
 * host is missing or not something a URL may hold.
 */
export function upgradeBase(trust: boolean | string[] | TrustFunction): (req: IncomingMessage) => string | undefined {
  const trusted = trustTest(trust);
  return (req) => {
    const peer = req.socket.remoteAddress;
    const viaProxy = peer !== undefined && trusted(peer, 0);
    const forwardedProto = viaProxy ? lastEntry(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
    const protocol = forwardedProto ?? ((req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http');
    const host = (viaProxy ? lastEntry(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
    if ((protocol !== 'http' && protocol !== 'https') || host === undefined || !HOST.test(host)) return undefined;
    return `${protocol}://${host}`;
  };
}

/**
 * The client's address for a request Fastify does not see (a WebSocket upgrade), read as Fastify
 * reads `request.ip`: X-Forwarded-For counts only through trusted proxies.
 */
export function clientAddress(trust: boolean | string[] | TrustFunction): (req: IncomingMessage) => string | undefined {
  const trusted = trustTest(trust);
  return (req) => (req.socket.remoteAddress === undefined ? undefined : proxyAddr(req, trusted));
}
