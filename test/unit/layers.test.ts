import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layering the profile kit rests on, read from the sources: the core never knows a profile,
 * and a profile reaches the core only through the services facade.
 */

const src = fileURLToPath(new URL('../../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(path.join(src, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** Each import of a file, as a path relative to src/ (packages left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(src, file), 'utf8');
  return [...text.matchAll(/^import [^;]*? from '(\.[^']+)';/gms)].map((m) => path.relative(src, path.resolve(path.dirname(path.join(src, file)), m[1]!)));
}

describe('layers', () => {
  it('no core module imports a profile', () => {
    const offending = ['domain', 'services', 'store', 'realtime', 'cluster'].flatMap(sources).flatMap((f) => importsOf(f).filter((i) => i.startsWith('profiles/')).map((i) => `${f} → ${i}`));
    assert.deepEqual(offending, []);
  });

  it('no profile imports the store or the cluster, or reads the core’s store, bus, limiter or configuration', () => {
    const files = sources('profiles');
    const offending = files.flatMap((f) => importsOf(f).filter((i) => i.startsWith('store/') || i.startsWith('cluster/')).map((i) => `${f} → ${i}`));
    const reaching = files.filter((f) => /\bcore\.(store|bus|limiter|config)\b/.test(readFileSync(path.join(src, f), 'utf8')));
    assert.deepEqual([...offending, ...reaching], []);
    assert.ok(files.length > 20, 'the profiles were read');
  });
});
