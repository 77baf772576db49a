#!/usr/bin/env node
// Parley runs its TypeScript sources directly through tsx's loader: no build step to forget.
import module from 'node:module';
import process from 'node:process';

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
