import { fileTypeFromBuffer } from 'file-type';
import type { FileKind } from '../domain/types.ts';

/** Bytes from the start of a file that decide its type (file-type's own sample size). */
export const sniffSampleSize = 4100;

/** Raster formats browsers and sharp handle; SVG is not among them (it can carry script). */
const imageMimes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/tiff', 'image/heic', 'image/heif']);
/** Containers that recorders use for sound alone; file-type names them as video. */
const audioContainers = new Set(['video/webm', 'video/mp4', 'video/ogg', 'video/3gpp', 'video/quicktime']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 (a character cut at the sample's end allowed) without NUL or stray control bytes. */
function asText(sample: Uint8Array): string | undefined {
  for (let cut = 0; cut <= 3 && cut < sample.length; cut++) {
    try {
      const text = utf8.decode(sample.subarray(0, sample.length - cut));
      // eslint-disable-next-line no-control-regex
      return /[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(text) ? undefined : text;
    } catch {
      // A multi-byte character may be cut by the sample boundary: retry a byte shorter.
    }
  }
  return undefined;
}

const htmlMarker = /<(!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|meta|link|style|title|base|form|img|svg|a\s|div|p\b|table|br|h1|!--)/i;

/**
 * The content type of a file from its first bytes: binary formats by signature (file-type), then
 * text that a browser would render actively (HTML, SVG, XML) told apart from plain text. The
 * name and the type the client claims are never consulted.
 */
export async function sniffMime(sample: Uint8Array): Promise<string> {
  const found = await fileTypeFromBuffer(sample);
  // file-type names any XML application/xml, SVG included; look closer at those.
  if (found && found.mime !== 'application/xml') return found.mime;
  const text = asText(sample);
  if (text === undefined) return found?.mime ?? 'application/octet-stream';
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 1024).toLowerCase();
  if (/^<svg[\s>]/.test(head) || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml';
  if (head.startsWith('<?xml') || found) return 'application/xml';
  if (htmlMarker.test(head)) return 'text/html';
  return 'text/plain';
}

/** The kind a content type is, left to itself. */
export function kindOf(mime: string): FileKind {
  if (imageMimes.has(mime)) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'file';
}

/** Whether content of this type may be uploaded as the kind the client declared. */
export function fitsKind(mime: string, kind: FileKind): boolean {
  if (kind === 'file') return true;
  if (kind === 'audio') return mime.startsWith('audio/') || audioContainers.has(mime);
  return kindOf(mime) === kind;
}

/**
 * Types a browser may show in place without risk: raster images, audio, video and plain text.
 * Everything else (HTML, SVG, XML, scripts, PDF, unknown bytes) is served as an attachment.
 */
export function servesInline(mime: string): boolean {
  return imageMimes.has(mime) || mime.startsWith('video/') || mime.startsWith('audio/') || mime === 'text/plain';
}
