#!/usr/bin/env node
// The `parley` command. It runs the compiled CLI (dist/, built by `npm run build`, which install
// and `npm test` run) with plain Node: no TypeScript loader in production. A checkout whose
// sources are newer than its build (edited, or pulled, since) runs the sources through tsx
// instead, so that a developer never runs stale code; `npm run dev` always does.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const compiled = path.join(root, 'dist/src/cli/index.js');
const stamp = path.join(root, 'build-info.json');

/** Whether a source under src/ changed after the build finished (a few ms for ~200 files). */
function sourcesNewerThanBuild() {
  const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return true;
  const src = path.join(root, 'src');
  if (!existsSync(src)) return false;
  return readdirSync(src, { recursive: true, withFileTypes: true }).some(
    (e) => e.isFile() && e.name.endsWith('.ts') && statSync(path.join(e.parentPath, e.name)).mtimeMs > built,
  );
}

/** tsx is a development dependency: an install without it can only run the build. */
function tsxInstalled() {
  try {
    module.createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const hasBuild = existsSync(compiled);
const stale = hasBuild && sourcesNewerThanBuild();
if (hasBuild && !(stale && tsxInstalled())) {
  // Without the development dependencies (an install pruned with --omit=dev, then pulled) only
  // the build can run: say it is older than the sources rather than run old code silently.
  if (stale) process.stderr.write('parley: warning: the sources in src/ are newer than the build in dist/, which runs; rebuild with `npm ci && npm run build`\n');
  process.setSourceMapsEnabled(true);
  await import(compiled);
} else {
  await runSources();
}

async function runSources() {
  // Packages of hundreds of ES modules each, imported before tsx's hooks are registered so that
  // they load as plain Node would load them. Registered hooks see every module loaded after them,
  // and on Node 20 they run in a loader thread with a round trip per module: Kysely took ~1 s to
  // load that way instead of ~0.2 s, TypeBox ~1.5 s instead of ~0.6 s. The TypeScript sources
  // importing them later get these same instances. Only the commands that use a package load it;
  // a package missing from this list is merely slower to load.
  const packagesOf = new Map([
    ['migrate', ['kysely']],
    ['user', ['kysely']],
    ['org', ['kysely']],
    ['serve', ['kysely', 'typebox']],
  ]);
  const helpOnly = process.argv.some((arg) => arg === '--help' || arg === '-h');
  if (!helpOnly) await Promise.all((packagesOf.get(process.argv[2]) ?? []).map((name) => import(name)));

  if (typeof module.registerHooks === 'function') {
    // Node has in-thread loader hooks: tsx's register() uses them where it supports them
    // (22.22.3+, 24.11.1+), which is cheaper still; leave the choice to tsx.
    const { register } = await import('tsx/esm/api');
    register();
  } else {
    // Elsewhere (Node 20) the hooks run in a loader thread. tsx's register() would first load tsx
    // and esbuild in this thread as well, which only its tsImport() API needs: ~100 ms of every
    // command. Registering tsx's hook module directly loads them in the loader thread alone. The
    // data is the initialisation object register() passes (tsx requires one; no option is set),
    // and source maps are enabled as register() does, for stack traces into the .ts sources.
    process.setSourceMapsEnabled(true);
    module.register('tsx/esm', import.meta.url, { data: {} });
  }
  await import('../src/cli/index.ts');
}
