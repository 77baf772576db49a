import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { Env, S3Config } from '../../src/config.ts';

/**
 * A local S3-compatible server (s3rver) on a free loopback port with its objects in a temporary
 * directory, and one bucket. It checks request signatures with its fixed credentials.
 */
export class OwnS3 {
  private constructor(
    private readonly server: S3rver,
    private readonly dir: string,
    readonly endpoint: string,
    readonly bucket: string,
  ) {}

  static async start(bucket = 'parley-test'): Promise<OwnS3> {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    return new OwnS3(server, dir, `http://127.0.0.1:${port}`, bucket);
  }

  config(keyPrefix = ''): S3Config {
    return { endpoint: this.endpoint, bucket: this.bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true, keyPrefix };
  }

  /** The settings that put a node's files in this store. */
  env(): Env {
    return {
      FILE_STORAGE: 's3',
      S3_ENDPOINT: this.endpoint,
      S3_BUCKET: this.bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    };
  }

  async stop(): Promise<void> {
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
