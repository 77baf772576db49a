import type { IncomingMessage } from 'node:http';
import { AppError } from '../domain/errors.ts';

// What ws's handleUpgrade checks (RFC 6455 §4.2.1); it answers a failure in plain text/html, so
// the gateway checks first and refuses in the profile's own error body.
const key = /^[+/0-9A-Za-z]{22}==$/;
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function subprotocolsValid(header: string): boolean {
  const names = header.split(',').map((s) => s.trim());
  return names.every((n) => token.test(n)) && new Set(names).size === names.length;
}

/** Why an upgrade request is not a WebSocket handshake that ws would complete, if it is not. */
export function handshakeProblem(req: IncomingMessage): AppError | undefined {
  if (req.method !== 'GET') return new AppError('METHOD_NOT_ALLOWED', 'a WebSocket upgrade is a GET request');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return new AppError('BAD_REQUEST', 'the Upgrade header must be "websocket"');
  const given = req.headers['sec-websocket-key'];
  if (typeof given !== 'string' || !key.test(given.trim())) return new AppError('BAD_REQUEST', 'Sec-WebSocket-Key must be 16 bytes in base64');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return new AppError('BAD_REQUEST', 'Sec-WebSocket-Version must be 13');
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined && !subprotocolsValid(protocols)) return new AppError('BAD_REQUEST', 'Sec-WebSocket-Protocol must be a list of distinct tokens');
  return undefined;
}
