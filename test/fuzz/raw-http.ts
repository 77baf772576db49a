import { connect } from 'node:net';

/**
 * A raw HTTP/1.1 exchange over a fresh TCP connection: the request is written byte for byte (a
 * request line with `%FF`, a raw 0xFF byte or a space, a body of invalid UTF-8), which neither
 * fetch nor node:http will send. `Connection: close` is added unless the request names its own
 * (an upgrade does), so the answer ends with the connection; a body the server stopped reading
 * (over the body limit) does not lose the answer.
 */

export interface RawRequest {
  method: string;
  /** The request target as sent: path and query, already encoded (or deliberately not). */
  target: string | Buffer;
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
}

export interface RawResponse {
  /** 0 when the connection ended without a status line. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** What went wrong on the wire, if anything (reset, timeout). */
  transport?: string;
}

/** The request's bytes: request line, headers (Host and Connection: close added), body. */
export function requestBytes(req: RawRequest, host: string): Buffer {
  const names = new Set(req.headers.map(([k]) => k.toLowerCase()));
  const lines: string[] = [];
  if (!names.has('host')) lines.push(`Host: ${host}`);
  if (!names.has('connection')) lines.push('Connection: close');
  for (const [k, v] of req.headers) lines.push(`${k}: ${v}`);
  if (req.body !== undefined && !names.has('content-length') && !names.has('transfer-encoding')) lines.push(`Content-Length: ${req.body.length}`);
  const target = typeof req.target === 'string' ? Buffer.from(req.target, 'latin1') : req.target;
  return Buffer.concat([Buffer.from(`${req.method} `, 'latin1'), target, Buffer.from(` HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body ?? Buffer.alloc(0)]);
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Splits what the server sent into status, headers and (de-chunked) body. */
export function parseResponse(data: Buffer, method: string): Omit<RawResponse, 'transport'> {
  const end = data.indexOf('\r\n\r\n');
  const head = (end < 0 ? data : data.subarray(0, end)).toString('latin1');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return { status: 0, headers: {}, body: data };
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
    }
  }
  let body = end < 0 ? Buffer.alloc(0) : data.subarray(end + 4);
  if (method === 'HEAD') body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(match[1]), headers, body };
}

/** Sends one request on a new connection and reads the answer until the server closes it. */
export function rawHttp(base: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(base);
  const bytes = requestBytes(req, url.host);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let transport: string | undefined;
    let done = false;
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks), req.method), ...(transport !== undefined && { transport }) });
    };
    const timer = setTimeout(() => {
      transport = `no complete answer within ${timeoutMs} ms`;
      finish();
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // An accepted upgrade keeps the connection: its head is the whole answer.
      const data = Buffer.concat(chunks);
      if (data.subarray(0, 12).toString('latin1') === 'HTTP/1.1 101' && data.includes('\r\n\r\n')) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A server that answered and then stopped reading resets the connection: the answer stands.
      transport = err.code ?? err.message;
      if (chunks.length > 0) finish();
    });
    socket.on('connect', () => {
      socket.write(bytes);
    });
  });
}
