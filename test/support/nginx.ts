import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exited, freePort, repoRoot, waitForOk } from './process.ts';
import { program } from './requires.ts';

/** The sample configuration operators start from. */
export const sampleConfig = path.join(repoRoot, 'deploy/nginx.conf');

/** UPLOAD_MAX_SIZE's default, which the sample's client_max_body_size is sized for. */
export const defaultUploadMaxSize = 100 * 1024 ** 2;

export interface RenderOptions {
  /**
   * The UPLOAD_MAX_SIZE of the nodes behind, when not the default: client_max_body_size becomes
   * it plus the sample's own margin over the default.
   */
  uploadMaxSize?: number;
}

/** The sample's client_max_body_size, in bytes. */
export function sampleBodyLimit(conf = readFileSync(sampleConfig, 'utf8')): number {
  const m = /^ {4}client_max_body_size (\d+)([km]?);$/m.exec(conf);
  if (!m) throw new Error('deploy/nginx.conf has no `client_max_body_size <n>[k|m];` line');
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2 }[m[2] as '' | 'k' | 'm'];
}

/**
 * A configuration in the sample's form (the sample itself unless `conf` is given) pointed at the
 * given nodes and a loopback port: its `listen` and upstream `server` lines are rewritten, and
 * client_max_body_size when the nodes take smaller uploads; nothing else.
 */
export function renderSample(port: number, upstreams: readonly string[], options: RenderOptions = {}, conf = readFileSync(sampleConfig, 'utf8')): string {
  const servers = upstreams.map((u) => `    server ${u} max_fails=3 fail_timeout=10s;`).join('\n');
  let rendered = conf.replace(/^ {4}listen 80;$/m, `    listen 127.0.0.1:${port};`).replace(/^( {4}server \S+:\d+ [^\n]*\n)+/m, `${servers}\n`);
  if (!rendered.includes(`listen 127.0.0.1:${port};`) || !rendered.includes(servers)) {
    throw new Error('the nginx configuration no longer has the `listen 80;` and upstream `server` lines this test rewrites');
  }
  if (options.uploadMaxSize !== undefined) {
    const limit = options.uploadMaxSize + sampleBodyLimit(conf) - defaultUploadMaxSize;
    rendered = rendered.replace(/^ {4}client_max_body_size [^;]+;$/m, `    client_max_body_size ${limit};`);
  }
  return rendered;
}

/**
 * A prefix directory for an nginx of its own: the given configuration included in an `http {}`
 * whose logs, pid and temporary files stay in that directory. Checked with `nginx -t`.
 */
function prepare(conf: string): { bin: string; dir: string; args: string[] } {
  const bin = program('nginx');
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-nginx-'));
  // Workers may run as another user (www-data when started as root): let them in.
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'parley.conf'), conf);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
      `  include ${dir}/parley.conf;`,
      '}',
    ].join('\n'),
  );
  const args = ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`];
  try {
    execFileSync(bin, ['-t', '-q', ...args], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t refused the configuration: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`, { cause: err });
  }
  return { bin, dir, args };
}

/** Runs `nginx -t` on a configuration for nginx's `http {}` block; throws nginx's complaint. */
export function checkNginxConfig(conf: string): void {
  rmSync(prepare(conf).dir, { recursive: true, force: true });
}

/**
 * An nginx of its own (not the system service): its prefix, configuration, logs and temporary
 * files in a temporary directory, listening on a free loopback port, running the sample
 * configuration in front of the given nodes.
 */
export class OwnNginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(upstreams: readonly string[], options: RenderOptions = {}): Promise<OwnNginx> {
    const port = await freePort();
    const { bin, dir, args } = prepare(renderSample(port, upstreams, options));
    const child = spawn(bin, [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
    const nginx = new OwnNginx(child, dir, `http://127.0.0.1:${port}`);
    try {
      await waitForOk(`${nginx.url}/health`, 10_000);
    } catch (err) {
      await nginx.stop();
      throw err;
    }
    return nginx;
  }

  get errorLog(): string {
    return readFileSync(path.join(this.dir, 'error.log'), 'utf8');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await exited(this.child);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
