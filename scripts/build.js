#!/usr/bin/env node
// `npm run build` (also run by `prepare` on install, and before `npm test`): compiles src/ to
// dist/src/ with tsc, removes what a deleted source left behind, builds Parley Web (web/) into
// dist/web with Vite, and writes build-info.json (the
// commit it was built from, for installs without .git: src/version.ts reads it; GIT_SHA names the
// commit where there is no git, as in a container build). Plain
// JavaScript, so that building needs TypeScript alone, not tsx.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import console from 'node:console';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

const tsc = typescriptCompiler();
if (tsc === undefined) {
  // An install without development dependencies (npm ci --omit=dev) still runs `prepare`.
  if (existsSync(path.join(dist, 'src/cli/index.js'))) {
    console.log('build: TypeScript is not installed; keeping the dist/ already built');
    process.exit(0);
  }
  console.error('build: TypeScript is not installed and there is no dist/ to run: install with development dependencies (npm ci), build, then prune (npm prune --omit=dev)');
  process.exit(1);
}
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  console.error('build: tsc failed (see above)');
  process.exit(1);
}
removeOrphans(path.join(dist, 'src'), path.join(root, 'src'));
buildWebApp();

const info = { gitSha: headCommit(), builtAt: new Date().toISOString() };
writeFileSync(path.join(root, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
console.log(`build: dist/ from ${info.gitSha ?? 'a tree without git'}`);

function typescriptCompiler() {
  return resolveBin('typescript/bin/tsc');
}

function resolveBin(specifier) {
  try {
    return createRequire(import.meta.url).resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The browser client and admin console; kept as built where Vite is not installed (a pruned install). */
function buildWebApp() {
  // Vite's exports leave out its bin: found beside its package.json.
  const manifest = resolveBin('vite/package.json');
  const vite = manifest && path.join(path.dirname(manifest), 'bin/vite.js');
  if (vite === undefined) {
    if (!existsSync(path.join(dist, 'web/index.html'))) console.log('build: Vite is not installed and dist/web is missing; the server will not serve /app');
    return;
  }
  try {
    execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn', '--config', path.join(root, 'web/vite.config.ts')], { stdio: 'inherit', cwd: root });
  } catch {
    console.error('build: the web app failed to build (see above)');
    process.exit(1);
  }
}

/** Compiled files whose source is gone (renamed or deleted since the last build): they would still be importable. */
function removeOrphans(out, src) {
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const compiled = path.join(entry.parentPath, entry.name);
    const source = path.join(src, path.relative(out, compiled)).replace(/\.js(\.map)?$/, '.ts');
    if (!existsSync(source)) rmSync(compiled);
  }
}

/** The checkout's HEAD; where there is no git (a container build), GIT_SHA from the environment. */
function headCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^[0-9a-f]{40}$/.test(sha)) return sha;
  } catch {
    // not a checkout, or no git
  }
  const given = process.env.GIT_SHA?.trim().toLowerCase();
  return given && /^[0-9a-f]{7,40}$/.test(given) ? given : undefined;
}
