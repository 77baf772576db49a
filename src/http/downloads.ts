import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { servesInline } from '../services/file-types.ts';
import type { Download } from '../services/files.ts';
import type { ByteRange } from '../services/storage/storage.ts';

/**
 * The single byte range of a Range header. Malformed or multi-range headers are ignored (the
 * whole file is sent, as RFC 9110 allows); a range starting past the end is unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && last < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

/** Content-Disposition with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 8187). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function matches(header: string | undefined, etag: string): boolean {
  return header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));
}

/**
 * Sends stored bytes safely: the sniffed type with nosniff, attachment disposition for anything
 * a browser could run (HTML, SVG, XML, scripts…), a sandboxing CSP, ETag revalidation and
 * single-range requests.
 */
export async function sendDownload(request: FastifyRequest, reply: FastifyReply, d: Download, name: string): Promise<FastifyReply> {
  void reply
    .header('content-type', d.mime.startsWith('text/') ? `${d.mime}; charset=utf-8` : d.mime)
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', contentDisposition(servesInline(d.mime) ? 'inline' : 'attachment', name))
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('accept-ranges', 'bytes')
    .header('etag', d.etag)
    .header('cache-control', 'private, max-age=86400');
  if (matches(request.headers['if-none-match'], d.etag)) return reply.code(304).send();

  let range = parseRange(request.headers.range, d.size);
  const ifRange = request.headers['if-range'];
  if (range !== undefined && ifRange !== undefined && ifRange !== d.etag) range = undefined;
  if (range === 'unsatisfiable') {
    void reply.header('content-range', `bytes */${d.size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE', `the file has ${d.size} bytes; the requested range is outside it`);
  }
  if (range) void reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${d.size}`);
  void reply.header('content-length', String(range ? range.end - range.start + 1 : d.size));
  // Fastify's HEAD handling keeps our content-length for a stream payload (not for none).
  if (request.method === 'HEAD') return reply.send(Readable.from([]));
  return reply.send(await d.open(range));
}
