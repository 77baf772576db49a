import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { settings } from '../../src/config.ts';
import { gitSha, version } from '../../src/version.ts';
import { checkNginxConfig, renderSample, sampleConfig } from '../support/nginx.ts';
import { exited, freePort, repoRoot } from '../support/process.ts';
import { needs, program } from '../support/requires.ts';
import { parse as parseYaml } from 'yaml';

/**
 * The packaging in deploy/ and the Dockerfile, as far as this machine can run it: it has no
 * Docker daemon (the image and the compose file are never started here) and no systemd as PID 1.
 */

const run = promisify(execFile);
const deploy = (file: string) => path.join(repoRoot, 'deploy', file);
const read = (file: string) => readFileSync(file, 'utf8');
const knownVariables = new Set<string>(Object.values(settings).map((s) => s.env));

function scratchDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `parley-${name}-`));
}

describe('systemd unit (deploy/parley.service)', await needs('systemd-analyze'), () => {
  const unit = read(deploy('parley.service'));
  let dir: string;
  before(() => (dir = scratchDir('unit')));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** `systemd-analyze verify` on a copy of the unit; node's path made this machine's if it differs. */
  const verify = async (text: string) => {
    const file = path.join(dir, 'parley.service');
    writeFileSync(file, existsSync('/usr/bin/node') ? text : text.replaceAll('/usr/bin/node', process.execPath));
    // Verify parses every directive (unknown or malformed ones are warnings on stderr) and
    // checks that the command exists and is executable; it does not need the user, the
    // environment file or the install directory to exist, nor a running systemd.
    return run(program('systemd-analyze'), ['verify', file]).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
  };

  it('passes systemd-analyze verify without a warning', async () => {
    assert.deepEqual(await verify(unit), { code: 0, stderr: '' });
  });

  it('would report a misspelt directive or a missing program (the check is real)', async () => {
    const typo = await verify(unit.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    assert.match(typo.stderr, /Unknown key 'ProtectSytem'/);
    const missing = await verify(unit.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not executable/);
  });

  it('runs node directly, stops it with SIGTERM after the shutdown grace, and is confined', async () => {
    const directive = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
    assert.equal(directive('ExecStart'), '/usr/bin/node /opt/parley/bin/parley.js serve');
    assert.equal(directive('Type'), 'exec');
    assert.equal(directive('User'), 'parley');
    assert.equal(directive('EnvironmentFile'), '/etc/parley/parley.env');
    assert.equal(directive('KillSignal'), 'SIGTERM');
    assert.equal(directive('Restart'), 'on-failure');
    // Longer than SHUTDOWN_TIMEOUT's default of 10 s, so the graceful shutdown can finish.
    assert.ok(Number(/^(\d+)s$/.exec(directive('TimeoutStopSec') ?? '')?.[1]) > 10);
    assert.match(directive('Environment') ?? '', /DATA_DIR=\/var\/lib\/parley/);
    assert.equal(directive('StateDirectory'), 'parley');
    for (const [key, value] of [['NoNewPrivileges', 'true'], ['ProtectSystem', 'strict'], ['ProtectHome', 'true'], ['PrivateTmp', 'true']]) {
      assert.equal(directive(key!), value, key);
    }
    // systemd's own rating of the confinement, from 0 (tight) to 10 (none); "OK" is below 4.
    const file = path.join(dir, 'rated.service');
    writeFileSync(file, unit);
    const { stdout } = await run(program('systemd-analyze'), ['security', '--offline=true', file]).catch((err: { stdout: string }) => err);
    const exposure = Number(/Overall exposure level for rated\.service: ([\d.]+)/.exec(stdout)?.[1]);
    assert.ok(exposure < 2.5, `exposure ${exposure}\n${stdout}`);
  });

  it('is configured from an example that names only real variables', () => {
    const named = [...read(deploy('parley.env.example')).matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    assert.ok(named.length >= 10);
    assert.deepEqual(named.filter((n) => !knownVariables.has(n)), []);
  });
});

describe('release build (deploy/build-release.sh)', () => {
  let dir: string;
  let install: string;
  let built: { code: number; output: string };
  before(async () => {
    dir = scratchDir('release');
    install = path.join(dir, 'app');
    // The working tree as the source, node_modules hard-linked from this checkout's install
    // rather than downloaded: the rest is what the Dockerfile runs.
    built = await run('sh', [deploy('build-release.sh'), '--modules-from', repoRoot, repoRoot, install], { maxBuffer: 16 * 1024 ** 2, timeout: 180_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, output: err.stdout + err.stderr }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes an install directory without development files or packages', () => {
    assert.equal(built.code, 0, built.output);
    for (const kept of ['bin/parley.js', 'package.json', 'package-lock.json', 'deploy/healthcheck.js', 'node_modules/fastify']) assert.ok(existsSync(path.join(install, kept)), kept);
    for (const dropped of ['test', 'bench', 'scripts', '.git', 'data', 'node_modules/typescript', 'node_modules/eslint', 'node_modules/fast-check']) {
      assert.ok(!existsSync(path.join(install, dropped)), dropped);
    }
    const compiled = existsSync(path.join(install, 'dist'));
    // With a build, tsx is a development tool and the sources are left behind; without one
    // (before the compiled build existed) tsx runs the sources.
    assert.equal(existsSync(path.join(install, 'node_modules/tsx')), !compiled);
    assert.equal(existsSync(path.join(install, 'src')), !compiled);
    // Parley Web is served from its build; its sources stay behind.
    assert.ok(existsSync(path.join(install, 'dist/web/index.html')) && existsSync(path.join(install, 'dist/web/admin/index.html')));
    assert.ok(!existsSync(path.join(install, 'web')));
    if (gitSha) assert.equal((JSON.parse(read(path.join(install, 'build-info.json'))) as { gitSha: string }).gitSha, gitSha);
  });

  it('leaves the install it linked node_modules from as it was', () => {
    assert.ok(existsSync(path.join(repoRoot, 'node_modules/typescript')));
    assert.ok(existsSync(path.join(repoRoot, 'node_modules/tsx')));
  });

  it('starts with `node bin/parley.js serve`, answers /health, passes its health check and stops on SIGTERM', async (t) => {
    assert.equal(built.code, 0, built.output);
    const port = await freePort();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
    const started = Date.now();
    const child = spawn(process.execPath, ['bin/parley.js', 'serve'], { cwd: install, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      let health: Response | undefined;
      while (!health?.ok && Date.now() - started < 30_000 && child.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (!health?.ok) await new Promise((r) => setTimeout(r, 20));
      }
      const ready = Date.now() - started;
      const load = loadavg()[0]!;
      t.diagnostic(`/health answered 200 ${ready} ms after start (${existsSync(path.join(install, 'dist')) ? 'compiled' : 'through tsx'}; load average ${load.toFixed(1)})`);
      assert.equal(health?.status, 200, output);
      assert.equal(((await health.json()) as { version: string }).version, version);
      const console_ = await fetch(`http://127.0.0.1:${port}/app/admin/`);
      assert.equal(console_.status, 200);
      assert.match(await console_.text(), /\/app\/assets\/admin-/);
      // How fast it starts is a benchmark's figure (npm run bench:startup), not this test's: the
      // time above is reported only.

      const check = (p: number) => run(process.execPath, ['deploy/healthcheck.js'], { cwd: install, env: { ...env, PORT: String(p) } }).then(() => 0, (err: { code: number }) => err.code);
      assert.equal(await check(port), 0);
      assert.equal(await check(await freePort()), 1);

      child.kill('SIGTERM');
      assert.equal(await exited(child), 0, output);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to overwrite a directory, and node_modules installed from another lock file', async () => {
    const refused = (args: string[]) => run('sh', [deploy('build-release.sh'), ...args]).then(() => assert.fail('accepted'), (err: { code: number; stderr: string }) => err);
    assert.match((await refused([repoRoot, dir])).stderr, /exists; give a new directory/);
    const other = path.join(dir, 'other');
    const lockless = scratchDir('lockless');
    try {
      copyFileSync(path.join(repoRoot, 'package.json'), path.join(lockless, 'package.json'));
      writeFileSync(path.join(lockless, 'package-lock.json'), '{}\n');
      mkdirSync(path.join(lockless, 'node_modules'));
      assert.match((await refused(['--modules-from', lockless, repoRoot, other])).stderr, /was installed from another package-lock\.json/);
      assert.ok(!existsSync(path.join(other, 'node_modules')));
    } finally {
      rmSync(lockless, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile (not built here: no Docker daemon)', () => {
  const dockerfile = read(path.join(repoRoot, 'Dockerfile'));
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of instructions) {
    if (/^FROM /i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const [build, runtime] = stages as [string[], string[]];
  const find = (stage: string[], keyword: string) => stage.filter((l) => l.startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1));

  it('builds in one stage with the release script and native-module tools, and runs from another', () => {
    assert.equal(stages.length, 2);
    assert.match(build[0]!, /^FROM \$\{NODE_IMAGE\} AS build$/);
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:22-bookworm-slim$/m, 'Node 22, pinned by major');
    assert.ok(find(build, 'RUN').some((r) => /apt-get install .*\bpython3\b.*\bmake\b.*\bg\+\+/.test(r)));
    assert.ok(find(build, 'RUN').some((r) => /deploy\/build-release\.sh \/src \/app$/.test(r)));
    assert.deepEqual(find(runtime, 'COPY'), ['--from=build /app /app']);
  });

  it('runs as an unprivileged user with exec-form commands, a volume for DATA_DIR and a health check', () => {
    const user = find(runtime, 'USER');
    assert.equal(user.length, 1);
    assert.doesNotMatch(user[0]!, /^(root|0)(:|$)/);
    assert.ok(runtime.indexOf(`USER ${user[0]}`) < runtime.findIndex((l) => l.startsWith('ENTRYPOINT')));
    assert.deepEqual(JSON.parse(find(runtime, 'ENTRYPOINT')[0]!), ['node', 'bin/parley.js']);
    assert.deepEqual(JSON.parse(find(runtime, 'CMD')[0]!), ['serve']);
    assert.deepEqual(find(runtime, 'WORKDIR'), ['/app']);
    assert.deepEqual(find(runtime, 'EXPOSE'), ['8080']);
    const dataDir = /DATA_DIR=(\S+)/.exec(find(runtime, 'ENV').join(' '))?.[1];
    assert.deepEqual(JSON.parse(find(runtime, 'VOLUME')[0]!), [dataDir]);
    assert.match(find(runtime, 'HEALTHCHECK')[0]!, /CMD \["node", "deploy\/healthcheck\.js"\]$/);
    assert.deepEqual(find(runtime, 'STOPSIGNAL'), ['SIGTERM']);
  });

  it('sends the builder neither installs, data, secrets nor git history', () => {
    const ignored = read(path.join(repoRoot, '.dockerignore')).split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git', '.env', '**/.env', 'build-info.json']) assert.ok(ignored.includes(entry), entry);
  });
});

/**
 * The compose file, read as data. There is no `docker compose config` here; the YAML parser is the
 * one @fastify/swagger brings (not a dependency of Parley's own: if it goes away, these checks are
 * skipped, saying so).
 */


interface ComposeService {
  build?: { context: string };
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  restart?: string;
}

describe('compose file (deploy/compose/compose.yaml, not run here: no Docker daemon)', () => {
  const text = read(deploy('compose/compose.yaml'));
  // As compose interpolates it from an .env file: defaults taken, required values given.
  const interpolated = text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::?([-?])([^}]*))?\}/g, (_, name: string, op?: string, fallback?: string) => (op === '-' ? fallback! : `value-of-${name.toLowerCase()}`));
  const compose = parseYaml(interpolated, { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const nodes = Object.entries(services).filter(([, s]) => s.build);
  const hostOf = (url: string) => new URL(url).hostname;

  it('runs two Parley nodes from this Dockerfile, nginx, PostgreSQL, Redis and MinIO with its bucket', () => {
    assert.deepEqual(Object.keys(services), ['parley-1', 'parley-2', 'nginx', 'postgres', 'redis', 'minio', 'minio-bucket']);
    assert.deepEqual(nodes.map(([name]) => name), ['parley-1', 'parley-2']);
    for (const [, node] of nodes) assert.ok(existsSync(path.join(deploy('compose'), node.build!.context, 'Dockerfile')));
    assert.deepEqual(nodes.map(([, s]) => s.environment?.NODE_ID), ['parley-1', 'parley-2']);
  });

  it("gives the nodes only Parley's own variables, pointing at the compose services", () => {
    for (const [name, node] of nodes) {
      const env = node.environment!;
      assert.deepEqual(Object.keys(env).filter((n) => !knownVariables.has(n)), [], name);
      assert.equal(env.FILE_STORAGE, 's3');
      for (const [variable, service] of [['DATABASE_URL', 'postgres'], ['REDIS_URL', 'redis'], ['S3_ENDPOINT', 'minio']] as const) {
        assert.equal(hostOf(env[variable]!), service, variable);
      }
    }
  });

  it('starts each service once what it needs is healthy, and each health condition has a check', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = services[dependency];
        assert.ok(target, `${name} depends on ${dependency}`);
        // Nodes are healthy by the image's own HEALTHCHECK.
        if (condition === 'service_healthy') assert.ok(target.healthcheck ?? target.build, `${dependency} has a health check`);
        else assert.equal(condition, 'service_completed_successfully');
        if (condition === 'service_completed_successfully') assert.equal(target.restart, undefined, `${dependency} runs once`);
      }
    }
    for (const [name] of nodes) assert.equal(services.nginx!.depends_on?.[name]?.condition, 'service_healthy');
  });

  it('publishes only nginx, which mounts the compose copy of the sample configuration', () => {
    assert.deepEqual(Object.entries(services).filter(([, s]) => s.ports).map(([name]) => name), ['nginx']);
    assert.ok(services.nginx!.volumes?.includes('./nginx.conf:/etc/nginx/conf.d/default.conf:ro'));
    const upstreams = [...read(deploy('compose/nginx.conf')).matchAll(/^ {4}server (\S+):8080 /gm)].map((m) => m[1]);
    assert.deepEqual(upstreams, nodes.map(([name]) => name));
  });

  it('asks for every secret in the example file, which fills none in', () => {
    const required = new Set([...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!));
    assert.ok(required.has('POSTGRES_PASSWORD') && required.has('MINIO_ROOT_PASSWORD'));
    const example = read(deploy('compose/compose.env.example'));
    for (const name of required) assert.match(example, new RegExp(`^${name}=`, 'm'), name);
    assert.doesNotMatch(example, /^(POSTGRES_PASSWORD|MINIO_ROOT_PASSWORD|JWT_SECRET)=\S/m, 'no secret in the example');
  });
});

describe('compose nginx configuration (deploy/compose/nginx.conf)', await needs('nginx'), () => {
  const withoutHeader = (conf: string) => conf.slice(conf.search(/^[^#\n]/m));
  const composeNginx = read(deploy('compose/nginx.conf'));

  it('is the sample but for its upstream servers, and nginx -t accepts it', async () => {
    const upstreams = ['parley-1:8080', 'parley-2:8080'];
    const port = await freePort();
    assert.equal(renderSample(port, upstreams, {}, withoutHeader(composeNginx)), renderSample(port, upstreams, {}, withoutHeader(read(sampleConfig))));
    // The service names resolve only on the compose network: nginx -t here gets addresses.
    checkNginxConfig(renderSample(port, ['127.0.0.1:18081', '127.0.0.1:18082'], {}, composeNginx));
  });
});
