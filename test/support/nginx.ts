import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exited, freePort, repoRoot, waitForOk } from './process.ts';

/** The sample configuration operators start from. */
export const sampleConfig = path.join(repoRoot, 'deploy/nginx.conf');

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx']).toString().trim();
  } catch {
    throw new Error('nginx is not installed: `apt-get install -y nginx` (.ci/run installs it when missing)');
  }
}

/**
 * The sample configuration pointed at the given nodes and a loopback port: its `listen` and
 * upstream `server` lines are rewritten, nothing else.
 */
export function renderSample(port: number, upstreams: readonly string[]): string {
  const sample = readFileSync(sampleConfig, 'utf8');
  const servers = upstreams.map((u) => `    server ${u} max_fails=3 fail_timeout=10s;`).join('\n');
  const rendered = sample
    .replace(/^ {4}listen 80;$/m, `    listen 127.0.0.1:${port};`)
    .replace(/^( {4}server \d+\.\d+\.\d+\.\d+:\d+ [^\n]*\n)+/m, `${servers}\n`);
  if (!rendered.includes(`listen 127.0.0.1:${port};`) || !rendered.includes(servers)) {
    throw new Error('deploy/nginx.conf no longer has the `listen 80;` and upstream `server` lines this test rewrites');
  }
  return rendered;
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

  static async start(upstreams: readonly string[]): Promise<OwnNginx> {
    const bin = nginxBinary();
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-nginx-'));
    // Workers may run as another user (www-data when started as root): let them in.
    chmodSync(dir, 0o755);
    const port = await freePort();
    writeFileSync(path.join(dir, 'parley.conf'), renderSample(port, upstreams));
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
    execFileSync(bin, ['-t', '-q', '-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], { stdio: 'pipe' });
    const child = spawn(bin, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], { stdio: 'ignore' });
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
