import { pino, type DestinationStream, type Logger } from 'pino';
import { redacted, redactQuery } from './redaction.ts';

/** What a logged `req` is: Fastify's request (or Node's), of which a line keeps a few fields. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * JSON lines on stdout (or `destination`), levels by name. Passwords, tokens and cookies are masked wherever they
 * appear, and so are credential-like query parameters of every logged request URL (WebSocket
 * clients put their token in `?token=`), at every level.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'parley' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than 40: what log shippers and people grepping expect.
      formatters: { level: (label) => ({ level: label }) },
      serializers: {
        // Fastify's own serializer for `req`, with the URL redacted; Fastify keeps a logger's own.
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: req.url === undefined ? undefined : redactQuery(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refresh_token', '*.refreshToken', '*.access_token'],
        censor: redacted,
      },
    },
    destination,
  );
}

export type { Logger };
