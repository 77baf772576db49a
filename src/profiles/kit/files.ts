import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
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
  /** The one kind the form accepts, for forms without a kind field (an avatar is an image). */
  kind?: FileKind;
  /** Checks the form's other fields before the file is kept; what it throws refuses the upload whole. */
  accept?(fields: Readonly<Record<string, string>>): Promise<void>;
}

/** Streams a multipart upload of the caller's into storage (see src/http/uploads.ts). */
export function receiveFile(c: Context, form: UploadForm): Promise<StoredFile> {
  return receiveFileWith(c, form).then((r) => r.file);
}

/** As receiveFile, with the form's other text fields (the last value of each). */
export async function receiveFileWith(c: Context, form: UploadForm): Promise<{ file: StoredFile; fields: Record<string, string> }> {
  const fields = Object.create(null) as Record<string, string>;
  const file = await receiveUpload(c.request, c.services.files, c.me, {
    fileField: form.fileField,
    kindField: form.kindField,
    kindOf: (v) => form.kinds[v],
    ...(form.kind && { kind: form.kind }),
    onField: (name, value) => {
      fields[name] = value;
    },
    ...(form.accept && { accept: () => form.accept!(fields) }),
  });
  return { file, fields };
}

/** Sends a published file (an avatar) to anyone, without a token. */
export async function servePublicFile(c: Context, fileId: string): Promise<FastifyReply> {
  const download = await c.services.files.downloadPublic(fileId);
  return sendDownload(c.request, c.reply, download, download.file.name);
}

/** The query of a signed file link (see `signedFileLinks`), for a download route that accepts them. */
export const SignedLinkQuery = Type.Object({
  exp: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e11, description: 'signed link: its expiry, in epoch seconds' })),
  sig: Type.Optional(Type.String({ maxLength: 128, description: 'signed link: its signature; with exp, no token is needed' })),
});

/**
 * Sends a file (or, for `thumb_<id>`, its thumbnail) to the caller, if they may see it; or to
 * anyone holding a signed link to it (`link.sig`), until the link expires.
 */
export async function serveFile(c: Context, fileId: string, link: Static<typeof SignedLinkQuery> = {}): Promise<FastifyReply> {
  const thumbnail = fileId.startsWith(thumbnailPrefix);
  const id = thumbnail ? fileId.slice(thumbnailPrefix.length) : fileId;
  const which = thumbnail ? 'thumbnail' : 'original';
  const { files } = c.services;
  const download =
    link.sig === undefined ? await files.download(c.me, id, which) : await files.downloadSigned(id, which, { expires: link.exp ?? 0, signature: link.sig });
  return sendDownload(c.request, c.reply, download, thumbnail ? `${thumbnailPrefix}${download.file.name}.jpg` : download.file.name);
}
