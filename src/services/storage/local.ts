import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, StorageMissError, type ByteRange, type FileStorage } from './storage.ts';

/**
 * Files on local disk under `root`. A put writes to a temporary file, flushes it to disk, then
 * renames it into place and flushes the directory, so an object is either whole or absent even
 * after a power loss; a failed or aborted put leaves nothing behind. Directories and files are
 * created readable by their owner only (the server serves them; nobody else on the host should).
 */
export class LocalDiskStorage implements FileStorage {
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = path.join(root, '.tmp');
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, data: Readable): Promise<{ size: number }> {
    const target = this.pathOf(key);
    await Promise.all([mkdir(this.tmp, { recursive: true, mode: 0o700 }), mkdir(path.dirname(target), { recursive: true, mode: 0o700 })]);
    const temp = path.join(this.tmp, `${randomBytes(12).toString('hex')}.part`);
    const out = createWriteStream(temp, { flags: 'wx', flush: true, mode: 0o600 });
    try {
      await pipeline(data, out);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await syncDirectory(path.dirname(target));
    return { size: out.bytesWritten };
  }

  async stat(key: string): Promise<{ size: number }> {
    try {
      return { size: (await stat(this.pathOf(key))).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageMissError(key);
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    await this.stat(key);
    return createReadStream(this.pathOf(key), range && { start: range.start, end: range.end });
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
