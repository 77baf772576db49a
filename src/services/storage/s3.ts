import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { S3Config } from '../../config.ts';
import { AppError } from '../../domain/errors.ts';
import { checkKey, StorageMissError, type ByteRange, type FileStorage } from './storage.ts';

export interface S3StorageOptions {
  /** Bytes buffered per part of a multipart upload (S3 wants at least 5 MiB but for the last). */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * The store unreachable or failing on its side (after the SDK's retries) is a 503 the client may
 * retry, not a 500; a missing object is a miss; anything else passes unchanged.
 */
function translate(err: unknown, key: string): unknown {
  if (isMissing(err)) return new StorageMissError(key);
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const network = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(e.code ?? '') || e.name === 'TimeoutError';
  if (network || (status !== undefined && status >= 500)) return new AppError('UNAVAILABLE', 'file storage is unreachable; try again shortly', { cause: err });
  return err;
}

/**
 * Files in an S3-compatible object store, shared by every node. An upload of unknown length is
 * sent as one PUT when it fits in a part, else as a multipart upload, part by part, so memory
 * holds at most one part per upload. S3 makes an object visible only when the PUT or the
 * multipart completion succeeds: an object is whole or absent, and a failed upload is aborted.
 *
 * Checksums are computed only where the protocol requires them: many S3-compatible stores reject
 * the newer default checksum headers.
 */
export class S3Storage implements FileStorage {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;

  constructor(
    private readonly config: S3Config,
    options: S3StorageOptions = {},
  ) {
    if (!config.bucket) throw new Error('S3 storage needs a bucket');
    this.bucket = config.bucket;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint && { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey && { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
      maxAttempts: 3,
    });
  }

  private keyOf(key: string): string {
    return this.config.keyPrefix + checkKey(key);
  }

  async put(key: string, data: Readable): Promise<{ size: number }> {
    const Key = this.keyOf(key);
    let held: Buffer[] = [];
    let heldBytes = 0;
    let size = 0;
    let upload: { id: string; parts: CompletedPart[] } | undefined;
    try {
      for await (const chunk of data as AsyncIterable<Buffer>) {
        held.push(chunk);
        heldBytes += chunk.length;
        size += chunk.length;
        if (heldBytes < this.partSize) continue;
        upload ??= { id: await this.startMultipart(Key), parts: [] };
        const body = Buffer.concat(held);
        held = [];
        heldBytes = 0;
        await this.uploadPart(Key, upload, body);
      }
      const rest = Buffer.concat(held);
      if (!upload) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: rest, ContentLength: rest.length }));
        return { size };
      }
      if (rest.length > 0) await this.uploadPart(Key, upload, rest);
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: upload.id, MultipartUpload: { Parts: upload.parts } }),
      );
      return { size };
    } catch (err) {
      data.destroy();
      if (upload) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: upload.id })).catch(() => undefined);
      throw translate(err, key);
    }
  }

  async stat(key: string): Promise<{ size: number }> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      throw translate(err, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), ...(range && { Range: `bytes=${range.start}-${range.end}` }) }),
      );
      const body = object.Body;
      if (body instanceof Readable) return body;
      if (!body) return Readable.from([]);
      return Readable.fromWeb((body as { transformToWebStream(): ReadableStream }).transformToWebStream() as never);
    } catch (err) {
      throw translate(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })).catch((err: unknown) => {
      throw translate(err, key);
    });
  }

  close(): void {
    this.client.destroy();
  }

  private async startMultipart(Key: string): Promise<string> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    if (!created.UploadId) throw new Error('the object store started no multipart upload');
    return created.UploadId;
  }

  private async uploadPart(Key: string, upload: { id: string; parts: CompletedPart[] }, body: Buffer): Promise<void> {
    const PartNumber = upload.parts.length + 1;
    const part = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: upload.id, PartNumber, Body: body, ContentLength: body.length }),
    );
    upload.parts.push({ PartNumber, ETag: part.ETag });
  }
}
