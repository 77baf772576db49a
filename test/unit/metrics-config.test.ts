import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig, type ConfigError } from '../../src/config.ts';

it('METRICS and METRICS_PORT: on the main port by default, a port of its own, or off', () => {
  assert.deepEqual(loadConfig({}).metrics, { enabled: true, port: null });
  assert.deepEqual(loadConfig({ METRICS_PORT: '9100' }).metrics, { enabled: true, port: 9100 });
  assert.deepEqual(loadConfig({ METRICS: 'off' }).metrics, { enabled: false, port: null });
  assert.throws(() => loadConfig({ METRICS: 'maybe' }), (err: ConfigError) => err.problems.some((p) => p.startsWith('METRICS: must be on or off')));
  for (const env of [{ METRICS_PORT: '8080' }, { PORT: '9000', METRICS_PORT: '9000' }, { METRICS_PORT: '8001', PROFILES: 'zhihang@/,lite@:8001' }]) {
    assert.throws(() => loadConfig(env), (err: ConfigError) => err.problems.some((p) => p.startsWith('METRICS_PORT: must differ from PORT')), JSON.stringify(env));
  }
});
