#!/usr/bin/env node
// Parley runs its TypeScript sources directly through tsx's loader: no build step to forget.
import module from 'node:module';
import process from 'node:process';

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
await import('../src/cli.ts');
