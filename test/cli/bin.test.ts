import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { cliPath, repoRoot } from '../support/process.ts';

/**
 * bin/parley.js chooses between the build and the sources: here in a package of its own whose
 * "CLI" in dist/ and in src/ only say which one ran.
 */
describe('bin/parley.js', () => {
  let root: string;
  const run = async () => (await promisify(execFile)(process.execPath, [path.join(root, 'bin/parley.js'), 'whoami'], { cwd: root })).stdout.trim();
  const at = (file: string, seconds: number) => utimesSync(path.join(root, file), seconds, seconds);

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'parley-bin-'));
    for (const dir of ['bin', 'dist/src/cli', 'src/cli']) mkdirSync(path.join(root, dir), { recursive: true });
    copyFileSync(cliPath, path.join(root, 'bin/parley.js'));
    writeFileSync(path.join(root, 'package.json'), '{"type": "module"}');
    writeFileSync(path.join(root, 'dist/src/cli/index.js'), "console.log('dist');\n");
    writeFileSync(path.join(root, 'src/cli/index.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
    writeFileSync(path.join(root, 'build-info.json'), '{}');
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('runs the build when it is newer than every source', async () => {
    at('src/cli/index.ts', 1_000_000);
    at('build-info.json', 2_000_000);
    assert.equal(await run(), 'dist');
  });

  it('runs the sources through tsx when one is newer than the build (edited or pulled since)', async () => {
    at('src/cli/index.ts', 3_000_000);
    assert.equal(await run(), 'sources');
  });

  it('runs the build, even when older, where tsx is not installed (a production install)', async () => {
    rmSync(path.join(root, 'node_modules'));
    try {
      assert.equal(await run(), 'dist');
    } finally {
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    }
  });

  it('runs the sources when there is no build', async () => {
    rmSync(path.join(root, 'dist'), { recursive: true });
    assert.equal(await run(), 'sources');
  });
});
