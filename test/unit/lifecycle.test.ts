import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifecycle, type Component } from '../../src/services/lifecycle.ts';

/** Components that write what happens to them in one log; `failing` names those whose start or stop throws. */
function parts(names: string[], failing: { start?: string; stop?: string } = {}) {
  const log: string[] = [];
  const make = (name: string): Component => ({
    name,
    start: async () => {
      log.push(`start ${name}`);
      if (failing.start === name) throw new Error(`${name} cannot start`);
    },
    stop: async () => {
      log.push(`stop ${name}`);
      if (failing.stop === name) throw new Error(`${name} cannot stop`);
    },
  });
  return { log, components: names.map(make) };
}

describe('lifecycle', () => {
  it('starts in the order added and stops in reverse, each once; later additions start on the next start', async () => {
    const { log, components } = parts(['db', 'bus', 'presence']);
    const life = new Lifecycle();
    life.add(components[0]!);
    await life.start();
    life.add(components[1]!);
    life.add({ name: 'no hooks' });
    life.add(components[2]!);
    await life.start();
    await life.stop();
    await life.stop();
    assert.deepEqual(log, ['start db', 'start bus', 'start presence', 'stop presence', 'stop bus', 'stop db']);
  });

  it('a failed start stops the failing component and everything started before it, then rethrows', async () => {
    const { log, components } = parts(['db', 'bus', 'presence', 'calls'], { start: 'presence' });
    const life = new Lifecycle();
    for (const c of components) life.add(c);
    await assert.rejects(life.start(), /presence cannot start/);
    assert.deepEqual(log, ['start db', 'start bus', 'start presence', 'stop presence', 'stop bus', 'stop db']);
    await life.stop();
    assert.equal(log.length, 6, 'nothing is left to stop');
  });

  it('stops the others when one stop fails, reports each failure and rethrows the first', async () => {
    const { log, components } = parts(['db', 'bus', 'presence'], { stop: 'bus' });
    const failed: string[] = [];
    const life = new Lifecycle((_err, name) => failed.push(name));
    for (const c of components) life.add(c);
    await life.start();
    await assert.rejects(life.stop(), /bus cannot stop/);
    assert.deepEqual(log.slice(3), ['stop presence', 'stop bus', 'stop db']);
    assert.deepEqual(failed, ['bus']);
  });
});
