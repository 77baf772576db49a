import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * `parley help`, `--version` and `<command> --help` must load commander and nothing heavy: the
 * CLI's modules import, at their top, only commander, Node's own modules, each other and the
 * version. Everything else (configuration, core, store, server) is imported inside an action.
 */

const cliDir = fileURLToPath(new URL('../../src/cli', import.meta.url));
const allowed = (spec: string) => spec === 'commander' || spec.startsWith('node:') || /^\.\/[a-z-]+\.ts$/.test(spec) || spec === '../version.ts';

describe('CLI imports', () => {
  it('each command module imports its heavy modules lazily, inside its action', () => {
    const files = readdirSync(cliDir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.includes('index.ts'), 'the CLI was read');
    const offending = files.flatMap((file) => {
      const text = readFileSync(path.join(cliDir, file), 'utf8');
      // Static imports that stay at run time: `import type` is erased.
      const specs = [...text.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)].map((m) => m[1]!);
      return specs.filter((s) => !allowed(s)).map((s) => `${file} → ${s}`);
    });
    assert.deepEqual(offending, []);
  });
});
