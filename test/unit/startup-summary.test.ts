import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { RunningServer } from '../../src/main.ts';
import { startupSummary } from '../../src/startup-summary.ts';

it('the start-up summary shows Redis and S3 storage without their credentials', () => {
  const config = loadConfig({
    REDIS_URL: 'redis://:r3dis-secret@cache.internal:6380/2',
    FILE_STORAGE: 's3',
    S3_BUCKET: 'parley-files',
    S3_ENDPOINT: 'http://minio.internal:9000',
    S3_PREFIX: 'prod/',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: 's3-secret-key',
    DATABASE_URL: 'postgres://parley:pg-secret@db.internal:5432/parley',
    NODE_ID: 'node-7',
    METRICS: 'off',
  });
  const server = {
    core: { nodeId: config.nodeId, database: { description: 'postgres://db.internal:5432/parley' } },
    url: 'http://127.0.0.1:8080',
    listeners: [
      { url: 'http://127.0.0.1:8080', mounts: [{ profile: 'zhihang', path: '' }] },
      { url: 'http://127.0.0.1:8001', mounts: [{ profile: 'lite', path: '' }] },
    ],
    metricsUrl: null,
  } as unknown as RunningServer;
  const summary = startupSummary(config, server);
  assert.equal(summary.redis, 'redis://cache.internal:6380/2');
  assert.equal(summary.storage, 's3://parley-files/prod/ at minio.internal:9000');
  assert.deepEqual(summary.profiles, { zhihang: 'http://127.0.0.1:8080/', lite: 'http://127.0.0.1:8001/' });
  assert.equal(summary.metrics, 'off');
  assert.equal(summary.node, 'node-7');
  const text = JSON.stringify(summary);
  for (const secret of ['r3dis-secret', 's3-secret-key', 'AKIAEXAMPLE', 'pg-secret']) assert.ok(!text.includes(secret), secret);
});
