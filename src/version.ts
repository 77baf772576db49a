import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Running the compiled build (dist/src/version.js) rather than the sources through tsx. */
const compiled = !existsSync(new URL('../package.json', import.meta.url));
const root = new URL(compiled ? '../../' : '../', import.meta.url);

const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };

export const version: string = pkg.version;

/**
 * The commit of the code running. Compiled code: the commit `build-info.json` names (written by
 * the build; an install from an image has no .git). The sources: the checkout's HEAD, since a
 * build-info.json beside them is from whenever the last build ran. HEAD is read from the files
 * rather than by running git, which costs a process start. Null when neither is there.
 */
export const gitSha: string | null = compiled ? (fromBuildInfo() ?? fromCheckout()) : (fromCheckout() ?? fromBuildInfo());

function fromBuildInfo(): string | null {
  try {
    const info = JSON.parse(readFileSync(new URL('build-info.json', root), 'utf8')) as { gitSha?: unknown };
    return typeof info.gitSha === 'string' && /^[0-9a-f]{7,40}$/.test(info.gitSha) ? info.gitSha : null;
  } catch {
    return null;
  }
}

function fromCheckout(): string | null {
  try {
    const { gitDir, commonDir } = gitDirs();
    const head = readFileSync(new URL('HEAD', gitDir), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (!ref) return null;
    if (existsSync(new URL(ref, commonDir))) return readFileSync(new URL(ref, commonDir), 'utf8').trim();
    const packed = readFileSync(new URL('packed-refs', commonDir), 'utf8');
    return new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** A worktree's `.git` is a file naming its own git directory, which names the shared one. */
function gitDirs(): { gitDir: URL; commonDir: URL } {
  const dotGit = new URL('.git', root);
  if (statSync(dotGit).isDirectory()) return { gitDir: new URL('.git/', root), commonDir: new URL('.git/', root) };
  const target = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
  if (!target) throw new Error('not a checkout');
  const gitDir = pathToFileURL(path.resolve(fileURLToPath(root), target) + '/');
  const common = existsSync(new URL('commondir', gitDir)) ? readFileSync(new URL('commondir', gitDir), 'utf8').trim() : '.';
  return { gitDir, commonDir: pathToFileURL(path.resolve(fileURLToPath(gitDir), common) + '/') };
}
