import type { Multipart } from '@fastify/multipart';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { FileKind, StoredFile } from '../domain/types.ts';
import type { FileService, ReceivedFile } from '../services/files.ts';
import { checkDecodedText } from './request-text.ts';

/** How one API names the parts of its upload form. */
export interface UploadForm {
  fileField: string;
  kindField: string;
  /** The profile's kind name to a core kind; undefined for a value it does not know. */
  kindOf(value: string): FileKind | undefined;
  /** The kind every upload of this form must be, where the form has no kind field. */
  kind?: FileKind;
  /** Told of the form's other text fields, by name. */
  onField?(name: string, value: string): void;
  /**
   * Last word on the whole form, once it is read and before the file becomes anyone's: what it
   * throws refuses the upload and nothing is kept (e.g. a field naming a user who does not exist).
   */
  accept?(): Promise<void>;
}

/**
 * The form's parts, remembering what the multipart parser raised: an error from the form itself,
 * or one it put on a file's stream (a truncated form ends the file it was in with an error,
 * perhaps before anyone listens). A malformed form is so told apart from a failing store.
 */
class FormReader {
  private formError: unknown;
  private readonly streams: Readable[] = [];

  constructor(private readonly request: FastifyRequest) {}

  async *parts(): AsyncGenerator<Multipart> {
    let parts: AsyncIterator<Multipart>;
    try {
      parts = this.request.parts()[Symbol.asyncIterator]();
    } catch (err) {
      throw (this.formError = err);
    }
    for (;;) {
      let step: IteratorResult<Multipart>;
      try {
        step = await parts.next();
      } catch (err) {
        throw (this.formError = err);
      }
      if (step.done) return;
      if (step.value.type === 'file') this.streams.push(step.value.file);
      yield step.value;
    }
  }

  /** What the parser said went wrong, if anything did. */
  parserError(): unknown {
    return this.formError ?? this.streams.find((s) => s.errored)?.errored ?? undefined;
  }
}

/**
 * The parser's own 4xx errors (size limits) keep their status, except a second file, which is a
 * form the document does not allow rather than one too large; the rest mean a broken form.
 */
function malformed(err: unknown, fileField: string): unknown {
  if ((err as { code?: string }).code === 'FST_FILES_LIMIT') return AppError.validation([{ field: fileField, message: 'only one file may be sent' }]);
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return err;
  return new AppError('BAD_REQUEST', `the multipart body is malformed: ${(err as Error).message}`);
}

/**
 * Reads a multipart upload as it arrives: the file part streams straight into storage, and the
 * kind field may come before it (checked while streaming) or after it (checked at the end). Any
 * failure removes what was stored; a broken form is the client's error, a failing store ours.
 */
export async function receiveUpload(request: FastifyRequest, files: FileService, ownerId: number, form: UploadForm): Promise<StoredFile> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data');
  const reader = new FormReader(request);
  let received: ReceivedFile | undefined;
  let kind: FileKind | undefined = form.kind;
  try {
    for await (const part of reader.parts()) {
      if (part.type === 'field') {
        checkDecodedText(part.fieldname, String(part.value));
        form.onField?.(part.fieldname, String(part.value));
        if (part.fieldname !== form.kindField || part.value === '') continue;
        kind = form.kindOf(String(part.value));
        if (kind === undefined) throw AppError.validation([{ field: form.kindField, message: `is not a known file type: ${String(part.value)}` }]);
      } else if (part.fieldname === form.fileField && !received) {
        checkDecodedText(form.fileField, part.filename);
        received = await files.receive(ownerId, { name: part.filename, data: part.file, kind });
      } else {
        part.file.resume();
      }
    }
    if (!received) throw AppError.validation([{ field: form.fileField, message: 'is required' }]);
    await form.accept?.();
  } catch (err) {
    if (received) await files.discard(received);
    const broken = err instanceof AppError ? undefined : reader.parserError();
    throw broken === undefined ? err : malformed(broken, form.fileField);
  }
  return files.register(received, kind);
}
