import type { FastifyReply } from 'fastify';
import type { FileKind, StoredFile } from '../../domain/types.ts';
import { sendDownload } from '../../http/downloads.ts';
import { receiveUpload } from '../../http/uploads.ts';
import { thumbnailPrefix } from './links.ts';
import type { Context } from './route.ts';

/** How a document names the parts of its upload form, and its names for file kinds. */
export interface UploadForm {
  fileField: string;
  /** The form field naming the kind, if the document has one. */
  kindField: string;
  kinds: Record<string, FileKind>;
}

/** Streams a multipart upload of the caller's into storage (see src/http/uploads.ts). */
export function receiveFile(c: Context, form: UploadForm): Promise<StoredFile> {
  return receiveUpload(c.request, c.services.files, c.me, { fileField: form.fileField, kindField: form.kindField, kindOf: (v) => form.kinds[v] });
}

/** Sends a file (or, for `thumb_<id>`, its thumbnail) to the caller, if they may see it. */
export async function serveFile(c: Context, fileId: string): Promise<FastifyReply> {
  const thumbnail = fileId.startsWith(thumbnailPrefix);
  const id = thumbnail ? fileId.slice(thumbnailPrefix.length) : fileId;
  const download = await c.services.files.download(c.me, id, thumbnail ? 'thumbnail' : 'original');
  return sendDownload(c.request, c.reply, download, thumbnail ? `${thumbnailPrefix}${download.file.name}.jpg` : download.file.name);
}
