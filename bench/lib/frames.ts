/**
 * What the load generator needs from a zhihang server frame, read straight from the bytes: the
 * frame type, and for message frames the client_id and the send stamp at the start of the
 * content. Parsing every frame as JSON would cost the generator as much CPU as the server spends
 * encoding it, on a machine with two cores; the frames are the server's fixed JSON encoding
 * (`{"type":"…",…}`, no whitespace), so byte searches suffice. Frames that do not match are
 * ignored, which shows up as losses, never as silent success.
 */

export type Scanned =
  | { kind: 'new'; clientId: string | undefined; stamp: number }
  | { kind: 'ack'; clientId: string | undefined }
  | { kind: 'error'; clientId: string | undefined }
  | { kind: 'connect' }
  | { kind: 'other'; type: string };

const TYPE_PREFIX = Buffer.from('{"type":"');
const CLIENT_ID = Buffer.from('"client_id":"');
const CONTENT = Buffer.from('"content":"');
const QUOTE = 0x22;

function typeOf(buf: Buffer): string | undefined {
  if (buf.length < TYPE_PREFIX.length + 2 || buf.compare(TYPE_PREFIX, 0, TYPE_PREFIX.length, 0, TYPE_PREFIX.length) !== 0) return undefined;
  const end = buf.indexOf(QUOTE, TYPE_PREFIX.length);
  return end < 0 ? undefined : buf.toString('latin1', TYPE_PREFIX.length, end);
}

/** The string value after the first occurrence of `key` (a `"name":"` needle), unescaped values only. */
function stringAfter(buf: Buffer, key: Buffer, from: number): string | undefined {
  const at = buf.indexOf(key, from);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = buf.indexOf(QUOTE, start);
  return end < 0 ? undefined : buf.toString('latin1', start, end);
}

/** The number the content starts with (the sender's stamp), NaN when there is none. */
function stampAfter(buf: Buffer, from: number): number {
  const at = buf.indexOf(CONTENT, from);
  if (at < 0) return NaN;
  const start = at + CONTENT.length;
  let end = start;
  while (end < buf.length && end - start < 24) {
    const c = buf[end]!;
    if ((c < 0x30 || c > 0x39) && c !== 0x2e) break;
    end++;
  }
  return end === start ? NaN : Number(buf.toString('latin1', start, end));
}

export function scanFrame(data: Buffer | string): Scanned {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const type = typeOf(buf);
  const body = TYPE_PREFIX.length + (type?.length ?? 0);
  switch (type) {
    case 'message.new':
      return { kind: 'new', clientId: stringAfter(buf, CLIENT_ID, body), stamp: stampAfter(buf, body) };
    case 'message.ack':
      return { kind: 'ack', clientId: stringAfter(buf, CLIENT_ID, body) };
    case 'error':
      return { kind: 'error', clientId: stringAfter(buf, CLIENT_ID, body) };
    case 'connect':
      return { kind: 'connect' };
    default:
      return { kind: 'other', type: type ?? '' };
  }
}

/** Message content carrying the send stamp (ms of the monotonic clock), padded to `size` bytes. */
export function stampedContent(stamp: number, size: number): string {
  const head = stamp.toFixed(3);
  return size > head.length + 1 ? `${head} ${'x'.repeat(size - head.length - 1)}` : head;
}
