import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range requests name them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live. Keys are server-generated (letters, digits, `.`, `_`, `-`, `/`); the
 * database holds them, the storage only the bytes. Local disk now; a shared object store (S3)
 * implements the same interface for several nodes.
 */
export interface FileStorage {
  /** Stores the whole stream under `key`, durably, before resolving. */
  put(key: string, data: Readable): Promise<{ size: number }>;
  /** The bytes of `key` (or of one range of them); throws StorageMissError when absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The size of `key`; throws StorageMissError when absent. */
  stat(key: string): Promise<{ size: number }>;
  /** Removes `key`; removing an absent key is not an error. */
  delete(key: string): Promise<void>;
}

export class StorageMissError extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
    this.name = 'StorageMissError';
  }
}

const keyPattern = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;

export function checkKey(key: string): string {
  if (!keyPattern.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
  return key;
}
