import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { FileKind, StoredFile } from '../domain/types.ts';
import type { FileService, ReceivedFile } from '../services/files.ts';

/** How one API names the parts of its upload form. */
export interface UploadForm {
  fileField: string;
  kindField: string;
  /** The profile's kind name to a core kind; undefined for a value it does not know. */
  kindOf(value: string): FileKind | undefined;
}

/**
 * Reads a multipart upload as it arrives: the file part streams straight into storage, and the
 * kind field may come before it (checked while streaming) or after it (checked at the end). Any
 * failure removes what was stored.
 */
export async function receiveUpload(request: FastifyRequest, files: FileService, ownerId: number, form: UploadForm): Promise<StoredFile> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data');
  let received: ReceivedFile | undefined;
  let kind: FileKind | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname !== form.kindField || part.value === '') continue;
        kind = form.kindOf(String(part.value));
        if (kind === undefined) throw AppError.validation([{ field: form.kindField, message: `is not a known file type: ${String(part.value)}` }]);
      } else if (part.fieldname === form.fileField && !received) {
        received = await files.receive(ownerId, { name: part.filename, data: part.file, kind });
      } else {
        part.file.resume();
      }
    }
    if (!received) throw AppError.validation([{ field: form.fileField, message: 'is required' }]);
  } catch (err) {
    if (received) await files.discard(received);
    throw err;
  }
  return files.register(received, kind);
}
