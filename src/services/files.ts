import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type createSharp from 'sharp';
import { AppError } from '../domain/errors.ts';
import type { FileKind, StoredFile } from '../domain/types.ts';
import { limits } from '../domain/validation.ts';
import type { Logger } from '../logger.ts';
import type { FileRecord } from '../store/repos/files.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { fitsKind, kindOf, sniffMime, sniffSampleSize } from './file-types.ts';
import { StorageMissError, type ByteRange, type FileStorage } from './storage/storage.ts';

/** Stored objects deleted at once when many go (a user's deletion). */
const ERASE_BATCH = 16;

export interface FileServiceOptions {
  /** Largest accepted file in bytes. */
  maxSize: number;
  /** Thumbnails fit in a square of this many pixels. */
  thumbnailSize?: number;
  /** Keys the signatures of file links (the server's token key: see TokenService.keyedHash). */
  signer: LinkSigner;
}

/** A keyed hash (HMAC) with the server's secret, for links that carry their own authorisation. */
export interface LinkSigner {
  keyedHash(value: string): string;
  keyedHashMatches(value: string, expected: string): boolean;
}

export type FileVariant = 'original' | 'thumbnail';

/** A link's own authorisation: valid until `expires` (epoch seconds) for whoever holds it. */
export interface LinkSignature {
  expires: number;
  signature: string;
}

/**
 * Signed links live between one and one and a quarter hours: the expiry is rounded up to a
 * quarter of an hour, so a link stays the same (and cacheable) across the answers of that quarter.
 */
export const signedLinkLifetime = { minMs: 3_600_000, stepMs: 900_000 };

const linkText = (fileId: string, which: FileVariant, expires: number) => `file-link:${fileId}:${which}:${expires}`;

/** An upload whose bytes are stored but which is not a file of anyone yet (see register/discard). */
export interface ReceivedFile {
  id: string;
  ownerId: number;
  name: string;
  key: string;
  size: number;
  sha256: string;
  mime: string;
}

/** What a download needs: the content type and size for headers, and the bytes on demand. */
export interface Download {
  file: StoredFile;
  mime: string;
  size: number;
  /** Strong validator: the content hash (thumbnails are derived, so theirs is suffixed). */
  etag: string;
  open(range?: ByteRange): Promise<Readable>;
}

const thumbnailMime = 'image/jpeg';

// sharp (libvips) is loaded when first wanted rather than with the service: a process that never
// measures an image (a CLI command) does not pay for it.
let sharpLoading: Promise<typeof createSharp> | undefined;
function loadSharp(): Promise<typeof createSharp> {
  return (sharpLoading ??= import('sharp').then((m) => m.default));
}

function human(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[u]}`;
}

/** The name as the user's own device would show it: no path, no control characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = [...base.replace(/[\x00-\x1f\x7f]/g, '').trim()].slice(0, limits.fileName.maxLength).join('');
  return cleaned || 'file';
}

/**
 * Sits between the upload and the storage: counts bytes against the limit, hashes them, and holds
 * back the first bytes until their type is sniffed, so a file of the wrong type is refused before
 * anything is written.
 */
class Inspector extends Transform {
  size = 0;
  mime = 'application/octet-stream';
  failure: AppError | undefined;
  private readonly hash = createHash('sha256');
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decided = false;

  constructor(
    private readonly maxSize: number,
    private readonly expected: FileKind | undefined,
  ) {
    super();
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxSize) {
      return done(this.fail(new AppError('FILE_TOO_LARGE', `the file is larger than the limit of ${human(this.maxSize)}`)));
    }
    this.hash.update(chunk);
    if (this.decided) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < sniffSampleSize) return done();
    this.decide(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.decided) return done();
    this.decide(done);
  }

  private decide(done: TransformCallback): void {
    const head = Buffer.concat(this.held);
    this.held = [];
    sniffMime(head.subarray(0, sniffSampleSize)).then((mime) => {
      this.mime = mime;
      this.decided = true;
      if (this.expected !== undefined && !fitsKind(mime, this.expected)) {
        return done(this.fail(new AppError('FILE_TYPE_UNSUPPORTED', `the content is ${mime}, which is not a valid ${this.expected} file`)));
      }
      done(null, head);
    }, done);
  }

  private fail(err: AppError): AppError {
    this.failure = err;
    return err;
  }
}

/**
 * Uploaded files: streamed to storage (never held whole in memory) with their real type sniffed
 * from the bytes, images measured and given a thumbnail, downloads authorised (the owner, or a
 * member of a conversation where a live message carries the file).
 */
const inlineImageTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export class FileService {
  private readonly thumbnailSize: number;

  constructor(
    private readonly store: Store,
    private readonly storage: FileStorage,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: FileServiceOptions,
  ) {
    this.thumbnailSize = options.thumbnailSize ?? 320;
  }

  /**
   * Starts loading the image library in the background. A server calls this once it listens:
   * its first image upload then does not wait ~150 ms for the load, and a broken install of
   * sharp is logged at start rather than at that upload.
   */
  preload(): void {
    loadSharp().catch((err: unknown) => this.logger.error({ err }, 'the image library (sharp) cannot be loaded; image uploads will fail'));
  }

  get maxSize(): number {
    return this.options.maxSize;
  }

  /**
   * Streams an upload into storage. With `kind` known, a mismatching type is refused before
   * anything is written; otherwise register() checks it. Oversize uploads stop at the limit.
   */
  async receive(ownerId: number, input: { name: string | undefined; data: Readable; kind?: FileKind }): Promise<ReceivedFile> {
    const id = `file_${randomBytes(16).toString('base64url')}`;
    const hex = randomBytes(16).toString('hex');
    const key = `${hex.slice(0, 2)}/${hex}`;
    const inspector = new Inspector(this.options.maxSize, input.kind);
    const [read, written] = await Promise.allSettled([pipeline(input.data, inspector), this.storage.put(key, inspector)]);
    if (read.status === 'rejected' || written.status === 'rejected') {
      await this.storage.delete(key).catch(() => undefined);
      throw inspector.failure ?? (read.status === 'rejected' ? read.reason : (written as PromiseRejectedResult).reason);
    }
    return { id, ownerId, name: cleanFileName(input.name), key, size: inspector.size, sha256: inspector.sha256, mime: inspector.mime };
  }

  /** Makes a received upload a file of its owner: type checked against `kind`, images measured. */
  async register(received: ReceivedFile, kind: FileKind | undefined): Promise<StoredFile> {
    try {
      if (received.size === 0) throw AppError.validation([{ field: 'file', message: 'is empty' }]);
      const finalKind = kind ?? kindOf(received.mime);
      if (!fitsKind(received.mime, finalKind)) {
        throw new AppError('FILE_TYPE_UNSUPPORTED', `the content is ${received.mime}, which is not a valid ${finalKind} file`);
      }
      const image = finalKind === 'image' ? await this.measure(received) : undefined;
      const duration = finalKind === 'audio' || finalKind === 'video' ? await this.playingTime(received) : null;
      const record = await this.store.files.insert({
        id: received.id,
        ownerId: received.ownerId,
        name: received.name,
        mime: received.mime,
        size: received.size,
        kind: finalKind,
        width: image?.width ?? null,
        height: image?.height ?? null,
        duration,
        sha256: received.sha256,
        createdAt: this.clock.now(),
        storageKey: received.key,
        thumbnailKey: image?.thumbnailKey ?? null,
      });
      return record.file;
    } catch (err) {
      await this.discard(received);
      throw err;
    }
  }

  /** Removes the bytes of an upload that will not be registered. */
  async discard(received: ReceivedFile): Promise<void> {
    await Promise.all([this.storage.delete(received.key), this.storage.delete(`${received.key}.thumb`)]).catch((err: unknown) =>
      this.logger.warn({ err, key: received.key }, 'could not remove a discarded upload'),
    );
  }

  /** Width and height as displayed (EXIF orientation applied) and a JPEG thumbnail. */
  private async measure(received: ReceivedFile): Promise<{ width: number; height: number; thumbnailKey: string }> {
    const sharp = await loadSharp();
    const image = sharp({ failOn: 'error' });
    const source = await this.storage.get(received.key);
    source.on('error', (err) => image.destroy(err));
    source.pipe(image);
    try {
      const meta = await image.metadata();
      const thumbnail = await image
        .clone()
        .autoOrient()
        .resize(this.thumbnailSize, this.thumbnailSize, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 80, mozjpeg: true })
        .toBuffer();
      const thumbnailKey = `${received.key}.thumb`;
      await this.storage.put(thumbnailKey, Readable.from([thumbnail]));
      return { width: meta.autoOrient.width, height: meta.autoOrient.height, thumbnailKey };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('FILE_TYPE_UNSUPPORTED', `the content is ${received.mime} but cannot be read as an image`, { cause: err });
    }
  }

  /**
   * The playing time of audio or video in whole seconds (rounded, as the store keeps it), read
   * from the container's headers by music-metadata; null where it cannot be read (the upload is
   * kept all the same).
   */
  private async playingTime(received: ReceivedFile): Promise<number | null> {
    const source = await this.storage.get(received.key);
    try {
      const { parseStream } = await import('music-metadata');
      const meta = await parseStream(source, { mimeType: received.mime, size: received.size }, { duration: true, skipCovers: true });
      const seconds = meta.format.duration;
      return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : null;
    } catch {
      return null;
    } finally {
      source.destroy();
    }
  }

  /** The file if `userId` may see it; not found otherwise, so ids reveal nothing. */
  private async accessible(userId: number, fileId: string): Promise<FileRecord> {
    const record = await this.store.files.byId(fileId);
    const mayRead = record && (record.file.ownerId === userId || record.recipientId === userId);
    if (record && (mayRead || (await this.store.files.sharedWith(fileId, userId, this.clock.now())))) return record;
    throw new AppError('FILE_NOT_FOUND', `file ${fileId} does not exist`);
  }

  /** A file's description (not its bytes), for whoever may download it; FILE_NOT_FOUND otherwise. */
  async info(userId: number, fileId: string): Promise<StoredFile> {
    return (await this.accessible(userId, fileId)).file;
  }

  /** The owner's file, or FILE_NOT_FOUND. */
  private async owned(userId: number, fileId: string): Promise<FileRecord> {
    const record = await this.store.files.byId(fileId);
    if (!record || record.file.ownerId !== userId) throw new AppError('FILE_NOT_FOUND', `file ${fileId} does not exist or is not yours`);
    return record;
  }

  /** The owner names the user a file is for, who may then download it too (before any message carries it). */
  async shareWith(userId: number, fileId: string, recipientId: number): Promise<void> {
    await this.owned(userId, fileId);
    if (!(await this.store.users.byId(recipientId))) throw new AppError('USER_NOT_FOUND', `no such user: ${recipientId}`);
    await this.store.files.setRecipient(fileId, recipientId);
  }

  /** The owner makes an image downloadable by anyone, without a token (an avatar shown by `<img>`). */
  async publish(userId: number, fileId: string): Promise<StoredFile> {
    const { file } = await this.owned(userId, fileId);
    if (file.kind !== 'image') throw new AppError('FILE_TYPE_UNSUPPORTED', `only images can be published; this file is ${file.mime}`);
    await this.store.files.makePublic(fileId);
    return file;
  }

  /**
   * An image given inline as standard base64 (`data`, the part after a document's `base64:`
   * prefix), stored as the owner's file and published (an avatar). Text that is not strict base64
   * is a validation problem of `field`; bytes that are not a PNG, JPEG, GIF or WebP image are
   * FILE_TYPE_UNSUPPORTED; the size limit is the upload limit.
   */
  async publishImageData(ownerId: number, data: string, field: string): Promise<StoredFile> {
    const compact = data.replace(/\s+/g, '');
    if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
      throw AppError.validation([{ field, message: 'must be base64: followed by standard base64 of an image' }]);
    }
    if ((compact.length / 4) * 3 > this.options.maxSize + 3) throw new AppError('FILE_TOO_LARGE', `the image is larger than ${this.options.maxSize} bytes`);
    const bytes = Buffer.from(compact, 'base64');
    const received = await this.receive(ownerId, { name: field, data: Readable.from([bytes]), kind: 'image' });
    if (!inlineImageTypes.has(received.mime)) {
      await this.discard(received);
      throw new AppError('FILE_TYPE_UNSUPPORTED', `the content is ${received.mime}; an inline image must be PNG, JPEG, GIF or WebP`);
    }
    const file = await this.register(received, 'image');
    await this.store.files.makePublic(file.id);
    return file;
  }

  /** A published file, for anyone. */
  async downloadPublic(fileId: string, which: FileVariant = 'original'): Promise<Download> {
    const record = await this.store.files.byId(fileId);
    if (!record?.isPublic) throw new AppError('FILE_NOT_FOUND', `file ${fileId} does not exist`);
    return this.downloadOf(fileId, record, which);
  }

  async download(userId: number, fileId: string, which: FileVariant = 'original'): Promise<Download> {
    return this.downloadOf(fileId, await this.accessible(userId, fileId), which);
  }

  /**
   * A signature that lets whoever holds a link fetch one file (or its thumbnail) without a token
   * until it expires: for clients that show images with a plain `<img src>`. Handed only to those
   * who may see the file, in answers about a message that carries it.
   */
  signLink(fileId: string, which: FileVariant): LinkSignature {
    const { minMs, stepMs } = signedLinkLifetime;
    const expires = Math.ceil((this.clock.now() + minMs) / stepMs) * (stepMs / 1000);
    return { expires, signature: this.options.signer.keyedHash(linkText(fileId, which, expires)) };
  }

  /** A download through a signed link: the signature must match and be unexpired; the file must still exist. */
  async downloadSigned(fileId: string, which: FileVariant, link: LinkSignature): Promise<Download> {
    if (!this.options.signer.keyedHashMatches(linkText(fileId, which, link.expires), link.signature)) {
      throw new AppError('FORBIDDEN', 'the link’s signature is not valid');
    }
    if (link.expires * 1000 <= this.clock.now()) throw new AppError('FORBIDDEN', 'the link has expired; open the message again for a fresh one');
    const record = await this.store.files.byId(fileId);
    if (!record) throw new AppError('FILE_NOT_FOUND', `file ${fileId} does not exist`);
    return this.downloadOf(fileId, record, which);
  }

  private async downloadOf(fileId: string, { file, storageKey, thumbnailKey }: FileRecord, which: FileVariant): Promise<Download> {
    if (which === 'original') {
      return { file, mime: file.mime, size: file.size, etag: `"${file.sha256}"`, open: (range) => this.read(fileId, storageKey, range) };
    }
    if (!thumbnailKey) throw new AppError('FILE_NOT_FOUND', `file ${fileId} has no thumbnail`);
    const { size } = await this.storage.stat(thumbnailKey).catch((err: unknown) => this.missing(fileId, err));
    return { file, mime: thumbnailMime, size, etag: `"${file.sha256}-thumb"`, open: (range) => this.read(fileId, thumbnailKey, range) };
  }

  private read(fileId: string, key: string, range?: ByteRange): Promise<Readable> {
    return this.storage.get(key, range).catch((err: unknown) => this.missing(fileId, err));
  }

  /** Bytes gone from storage under a live row: an operator must hear of it; the client gets 30001. */
  private missing(fileId: string, err: unknown): never {
    if (!(err instanceof StorageMissError)) throw err;
    this.logger.error({ fileId, key: err.key }, 'stored bytes of a file are missing');
    throw new AppError('FILE_NOT_FOUND', `file ${fileId} is not available`);
  }

  /**
   * Removes stored bytes whose rows are already gone (a deleted account's uploads), after the
   * commit that removed them; a failure is logged, since unreachable bytes only cost space.
   */
  async eraseStored(keys: readonly string[]): Promise<void> {
    // A few at a time: a user with tens of thousands of uploads must not become as many
    // simultaneous requests to an object store, which would throttle most of them.
    const failed: string[] = [];
    for (let i = 0; i < keys.length; i += ERASE_BATCH) {
      const batch = keys.slice(i, i + ERASE_BATCH);
      const outcomes = await Promise.allSettled(batch.map((k) => this.storage.delete(k)));
      outcomes.forEach((o, j) => o.status === 'rejected' && failed.push(batch[j]!));
    }
    // The rows are gone: bytes left behind are unreachable and only cost space, named here to be removed by hand.
    if (failed.length > 0) this.logger.warn({ keys: failed }, 'could not remove the bytes of deleted files');
  }

  /** The owner deletes a file: it is gone for every message that carried it. */
  async delete(userId: number, fileId: string): Promise<void> {
    const { file, storageKey, thumbnailKey } = await this.accessible(userId, fileId);
    if (file.ownerId !== userId) throw new AppError('FORBIDDEN', 'only the owner may delete a file');
    if (!(await this.store.files.markDeleted(fileId, this.clock.now()))) throw new AppError('FILE_NOT_FOUND', `file ${fileId} does not exist`);
    // The row is the truth; bytes left behind by a failure here are unreachable and only cost space.
    await Promise.all([storageKey, thumbnailKey].flatMap((k) => (k ? [this.storage.delete(k)] : []))).catch((err: unknown) =>
      this.logger.warn({ err, fileId }, 'could not remove the bytes of a deleted file'),
    );
  }
}
