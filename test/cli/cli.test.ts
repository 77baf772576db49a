import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { gitSha, version } from '../../src/version.ts';
import { Api } from '../support/api.ts';
import { within } from '../support/cluster.ts';
import { cliPath, exited, freePort, repoRoot, runCli, waitForOk } from '../support/process.ts';
import { startServerOn, testEnv, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { registerUser, uniquePhone } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const quiet = { LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

describe('parley CLI', () => {
  it('prints usage: every command with its arguments, also for bare `parley`', async () => {
    for (const args of [['help'], ['--help'], []]) {
      const r = await runCli(args, {});
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: parley \[options\] \[command\]/);
      assert.match(r.stdout, /parley user add \[options\]/);
      for (const sub of ['list', 'create', 'rename', 'move', 'delete', 'assign']) assert.match(r.stdout, new RegExp(`parley org ${sub}`));
    }
    const unknown = await runCli(['frobnicate'], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const typo = await runCli(['migrat'], {});
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Did you mean migrate\?/);
  });

  it('prints its version and commit', async () => {
    const r = await runCli(['--version'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `parley ${version} (${gitSha?.slice(0, 12) ?? 'unknown'})\n`);
    assert.equal((await runCli(['-V'], {})).stdout, r.stdout);
  });

  it('answers --help on every command and subcommand without running it', async () => {
    const overview = (await runCli(['help'], {})).stdout;
    const commands = [...overview.matchAll(/^ {2}parley ([a-z ]+?)(?: [[<]|$)/gm)].map((m) => m[1]!.split(' '));
    const groups = [...new Set(commands.filter((c) => c.length > 1).map((c) => c[0]!))].map((g) => [g]);
    assert.ok(commands.length >= 12, overview);
    // A configuration that would stop any command that ran, and a database that must not appear.
    const dataDir = path.join(repoRoot, 'data-never-created-by-help');
    const env = { PORT: 'eighty', DATA_DIR: dataDir };
    const answers = await Promise.all([...commands, ...groups].map((c) => runCli([...c, '--help'], env).then((r) => ({ c, r }))));
    for (const { c, r } of answers) {
      assert.equal(r.code, 0, `${c.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: parley ${c.join(' ')} `), c.join(' '));
      assert.equal(r.stderr, '', c.join(' '));
    }
    const viaHelp = await runCli(['help', 'org'], env);
    assert.equal(viaHelp.code, 0);
    assert.match(viaHelp.stdout, /^Usage: parley org /);
    assert.equal(existsSync(dataDir), false, '--help opened no database');
  });

  it('runs the compiled CLI with plain Node: help, --version and --help load commander and the CLI alone', async () => {
    const recorder = pathToFileURL(path.join(repoRoot, 'test/support/record-imports.js')).href;
    for (const args of [['help'], ['--version'], ['user', 'add', '--help'], ['serve', '--help']]) {
      const r = await runCli(args, { NODE_OPTIONS: `--import ${recorder}` });
      assert.equal(r.code, 0, r.stderr);
      const loaded = [...new Set([...r.stderr.matchAll(/^loaded (file:\/\/\S+)$/gm)].map((m) => m[1]!))].filter((u) => !u.includes('/test/support/record-imports'));
      assert.ok(loaded.length > 0, `the recorder saw the modules loaded: ${r.stderr}`);
      assert.ok(loaded.some((u) => u.endsWith('/dist/src/cli/index.js')), `the compiled CLI ran (npm run build): ${loaded.join(' ')}`);
      const others = loaded.filter((u) => !/\/node_modules\/commander\/|\/bin\/parley\.js$|\/dist\/src\/cli\/[a-z-]+\.js$|\/dist\/src\/version\.js$/.test(u));
      assert.deepEqual(others, [], args.join(' '));
    }
  });

  it('refuses a group without its subcommand, an unknown option, a missing or surplus argument: exit 2, commander\'s message', async () => {
    const cases: [string[], RegExp][] = [
      [['config'], /Usage: parley config/],
      [['user'], /Usage: parley user/],
      [['serve', '--frob'], /unknown option '--frob'/],
      [['user', 'disable'], /missing required argument 'user'/],
      [['migrate', 'now'], /too many arguments for 'migrate'/],
      [['org', 'rename', 'x', 'y'], /invalid for argument 'id'\. a department id is a positive integer/],
    ];
    const answers = await Promise.all(cases.map(([args]) => runCli(args, {})));
    for (const [i, r] of answers.entries()) {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, cases[i]![1]);
    }
  });

  it('refuses to start on a bad configuration, naming the variable and what is allowed', async () => {
    const r = await runCli(['serve'], { PORT: 'eighty', SHUTDOWN_TIMEOUT: 'whenever' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PORT: must be an integer from 0 to 65535 \(got "eighty"\)/);
    assert.match(r.stderr, /SHUTDOWN_TIMEOUT: must be a duration/);
  });

  it('never prints a secret: bad secret values and URL passwords are left out of errors, and `config vars` shows no values', async () => {
    const secrets = {
      JWT_SECRET: 'too-short-jwt-s3cret',
      TURN_SECRET: 'turn-s3cret',
      S3_SECRET_ACCESS_KEY: `s3-s3cret-${'z'.repeat(300)}`,
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      CODE_WEBHOOK_SECRET: 'hook-s3cret',
      DATABASE_URL: 'postgres://parley:db-pa55word@db:no-port/parley',
      REDIS_URL: 'redis://:redis-pa55word@',
    };
    const values = ['too-short-jwt-s3cret', 'turn-s3cret', 's3-s3cret', 'hook-s3cret', 'db-pa55word', 'redis-pa55word'];
    for (const command of [['serve'], ['migrate'], ['user', 'disable', '1']]) {
      const r = await runCli(command, secrets);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /JWT_SECRET: must be at least 32 characters \(got a value of 20 characters, not shown: it is secret\)/);
      assert.match(r.stderr, /DATABASE_URL: .*postgres:\/\/parley:\[redacted\]@db:no-port\/parley/);
      for (const v of values) assert.ok(!r.stderr.includes(v) && !r.stdout.includes(v), `${command.join(' ')} printed ${v}`);
    }
    const table = await runCli(['config', 'vars'], { ...secrets, JWT_SECRET: 'a-jwt-secret-that-is-long-enough-to-use' });
    assert.equal(table.code, 0);
    for (const v of [...values, 'a-jwt-secret-that-is-long-enough', 'AKIAEXAMPLE']) assert.ok(!table.stdout.includes(v) && !table.stderr.includes(v), `config printed ${v}`);
  });

  it('prints the configuration table', async () => {
    const r = await runCli(['config', 'vars'], {});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\| `DATABASE_URL` \|/);
  });

  for (const kind of storeKinds) {
    describe(`migrate and user add [${kind}]`, () => {
      let dir: Scratch;
      let env: Record<string, string>;
      before(async () => {
        dir = await scratch(kind);
        env = { ...quiet, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl };
      });
      after(async () => {
        await dir.cleanup();
      });

      it('migrates a fresh database once', async () => {
        const first = await runCli(['migrate'], env);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /applied: 0001_initial/);
        const again = await runCli(['migrate'], env);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /database is up to date/);
      });

      it('creates users from the command line, refusing duplicates and bad input', async () => {
        const r = await runCli(['user', 'add', '--phone', '13700000001', '--username', 'opsadmin', '--nickname', '运维', '--password-stdin'], env, 'operator-pass-1\n');
        assert.equal(r.code, 0, r.stderr);
        const created = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.equal(created.phone, '13700000001');
        assert.equal(created.username, 'opsadmin');
        assert.equal(typeof created.id, 'number');

        const dup = await runCli(['user', 'add', '--phone', '13700000001', '--password', 'another-pass-1'], env);
        assert.equal(dup.code, 2);
        assert.match(dup.stderr, /already registered/);
        const weak = await runCli(['user', 'add', '--phone', '13700000002', '--password', 'short'], env);
        assert.equal(weak.code, 2);
        assert.match(weak.stderr, /password: must be 8 to 128 characters/);
        const none = await runCli(['user', 'add', '--phone', '13700000003'], env);
        assert.equal(none.code, 2);
        assert.match(none.stderr, /password is required/);
      });

      it('creates users in a department with a position, refusing a bad path and creating nothing then', async () => {
        const add = (phone: string, ...more: string[]) => runCli(['user', 'add', '--phone', phone, '--password', 'operator-pass-1', ...more], env);
        const r = await add('13700000011', '--department', '运维部/值班组', '--position', '值班长');
        assert.equal(r.code, 0, r.stderr);
        const created = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.equal(created.department, '值班组');
        assert.equal(created.position, '值班长');
        assert.equal(typeof created.departmentId, 'number');
        const same = JSON.parse((await add('13700000012', '--department', ' 运维部 / 值班组 ')).stdout) as Record<string, unknown>;
        assert.equal(same.departmentId, created.departmentId);

        const bad = await add('13700000013', '--department', '运维部//夜班');
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /department: must be department names separated by \//);
        const long = await add('13700000013', '--department', '运维部', '--position', 'p'.repeat(65));
        assert.equal(long.code, 2);
        assert.match(long.stderr, /position: must be at most 64 characters/);
        // Neither the user nor a department was made.
        const list = await runCli(['org', 'list'], env);
        assert.doesNotMatch(list.stdout, /夜班/);
        assert.equal((await runCli(['user', 'enable', '13700000013'], env)).code, 2);
      });

      it('manages departments: list, create, rename, move, delete when empty, assign', async () => {
        const org = async (...args: string[]) => {
          const r = await runCli(['org', ...args], env);
          return { ...r, json: r.code === 0 && r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as Record<string, any>) : undefined };
        };
        const user = await runCli(['user', 'add', '--phone', '13700000021', '--password', 'operator-pass-1'], env);
        assert.equal(user.code, 0, user.stderr);
        const sales = (await org('create', '销售部/华东区')).json!;
        assert.equal(sales.name, '华东区');
        const top = sales.parentId as number;
        const north = (await org('create', '销售部/华北区')).json!;
        assert.equal(north.parentId, top);
        const assigned = await org('assign', '13700000021', '销售部/华东区', '--position', '区域经理');
        assert.equal(assigned.code, 0, assigned.stderr);
        const userId = assigned.json?.userId as number;
        assert.deepEqual(assigned.json, { userId, departmentId: sales.id, department: '华东区', position: '区域经理' });

        const listed = await org('list');
        assert.equal(listed.code, 0, listed.stderr);
        const lines = listed.stdout.trimEnd().split('\n');
        const at = lines.findIndex((l) => l.endsWith('销售部  (1 member)'));
        assert.ok(at >= 0, listed.stdout);
        assert.match(lines[at]!, new RegExp(`^\\s*${top}  销售部`));
        assert.match(lines[at + 1]!, new RegExp(`^\\s*${sales.id}    华东区  \\(1 member\\)$`));
        assert.match(lines[at + 2]!, new RegExp(`^\\s*${north.id}    华北区  \\(0 members\\)$`));

        assert.equal((await org('rename', String(north.id), '华北大区')).json!.name, '华北大区');
        const clash = await org('rename', String(north.id), '华东区');
        assert.equal(clash.code, 2);
        assert.match(clash.stderr, /already has a department named "华东区"/);
        assert.equal((await org('move', String(north.id), String(sales.id))).json!.parentId, sales.id);
        assert.equal((await org('move', String(north.id), 'top')).json!.parentId, null);

        const full = await org('delete', String(sales.id));
        assert.equal(full.code, 2);
        assert.match(full.stderr, /still has 1 member/);
        assert.deepEqual((await org('assign', '13700000021', 'none')).json, { userId, departmentId: null, department: '', position: '区域经理' });
        assert.deepEqual((await org('delete', String(sales.id))).json, { id: sales.id, deleted: true });

        // The rules behind these refusals are the directory's (test/store/directory.test.ts);
        // here each kind of refusal is shown to reach the operator, exit code 2 and a message.
        const refused = [['delete', String(sales.id)], ['delete', 'x'], ['move', '1'], ['assign', 'nobody-here', '销售部'], ['list', 'extra'], ['frob'], ['assign', '13700000021', 'a', '--position']];
        const answers = await Promise.all(refused.map((args) => org(...args)));
        for (const [i, r] of answers.entries()) {
          assert.equal(r.code, 2, `${refused[i]!.join(' ')}: ${r.stdout}${r.stderr}`);
          assert.ok(r.stderr.length > 0);
        }
        assert.match(answers[0]!.stderr, /no department/);
      });
    });
  }

  for (const kind of storeKinds) {
    describe(`user disable and enable, beside a running server [${kind}]`, () => {
      let dir: Scratch;
      let server: TestServer;
      let env: Record<string, string>;
      before(async () => {
        dir = await scratch(kind);
        server = await startServerOn(dir, kind);
        env = { ...quiet, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl };
      });
      after(async () => {
        await server?.close();
        await dir?.cleanup();
      });

      it('closes every socket of the user at once (4401), refuses their tokens and logins; enable lets them log in again', async (t) => {
        const { api } = server;
        const u = await registerUser(api);
        const login = () => api.post('/api/auth/login', { phone: u.phone, password: u.password });
        const second = okData(await login());
        const sockets = [await WsClient.connect(server.url, u.token), await WsClient.connect(server.url, second.access_token)];
        const bystander = await registerUser(api);
        const theirs = await WsClient.connect(server.url, bystander.token);

        const started = Date.now();
        const off = await runCli(['user', 'disable', u.username], env);
        assert.equal(off.code, 0, off.stderr);
        const exitedAt = Date.now();
        assert.deepEqual(JSON.parse(off.stdout), { id: u.id, phone: u.phone, email: null, username: u.username, disabled: true, sessionsEnded: 2 });
        for (const ws of sockets) assert.equal((await within(ws.closed, 3000, 'the disabled user\'s socket to close')).code, 4401);
        // The server heard of it from the mark the command left in the database (no Redis here).
        t.diagnostic(`sockets closed ${Date.now() - exitedAt} ms after the command exited (${exitedAt - started} ms run)`);
        for (const token of [u.token, second.access_token as string]) assertError(await api.get('/api/users/me', { token }), 401, 10008);
        assertError(await login(), 403, 10004);
        assert.equal((await WsClient.refused(WsClient.url(server.url, u.token))).status, 401);
        // Nobody else was touched.
        await theirs.barrier();
        okData(await api.get('/api/users/me', { token: bystander.token }));

        const on = await runCli(['user', 'enable', u.phone], env);
        assert.equal(on.code, 0, on.stderr);
        assert.equal(JSON.parse(on.stdout).disabled, false);
        const back = okData(await login());
        okData(await api.get('/api/users/me', { token: back.access_token }));
        await (await WsClient.connect(server.url, back.access_token)).close();
        // The sessions that disabling ended stay ended.
        assertError(await api.get('/api/users/me', { token: u.token }), 401, 10008);
        await theirs.close();
      });

      it('names the user by id, phone, username or email, and refuses a name that is unknown or fits two users', async () => {
        const { api } = server;
        const a = await registerUser(api, { email: `${uniquePhone()}@example.com` });
        const email = okData(await api.get('/api/users/me', { token: a.token })).email as string;
        for (const ref of [String(a.id), a.phone, a.username.toUpperCase(), email]) {
          const r = await runCli(['user', 'enable', ref], env);
          assert.equal(r.code, 0, `${ref}: ${r.stderr}`);
          assert.equal(JSON.parse(r.stdout).id, a.id, ref);
        }
        const unknown = await runCli(['user', 'disable', 'nobody-here'], env);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no user has the id, phone, username or email "nobody-here"/);
        // One user's phone is another's username.
        const b = await registerUser(api, { username: a.phone });
        const both = await runCli(['user', 'disable', a.phone], env);
        assert.equal(both.code, 2);
        assert.match(both.stderr, new RegExp(`names users ${Math.min(a.id, b.id)} and ${Math.max(a.id, b.id)}`));
        assert.equal((await runCli(['user', 'disable'], env)).code, 2);
        okData(await api.get('/api/users/me', { token: b.token }));
      });
    });
  }

  describe('serve', () => {
    let dir: Scratch;
    before(async () => {
      dir = await scratch('sqlite');
    });
    after(async () => {
      await dir.cleanup();
    });

    it('serves the API, and on SIGTERM lets an in-flight request finish, then exits 0', async () => {
      const port = await freePort();
      // A deliberately expensive password hash keeps the login request in flight for a while.
      const slow = { ...quiet, ARGON2_MEMORY_KIB: '65536', ARGON2_TIME_COST: '8', DATA_DIR: dir.dataDir };
      const add = await runCli(['user', 'add', '--phone', '13700000009', '--password', 'operator-pass-1'], slow);
      assert.equal(add.code, 0, add.stderr);

      const env = { ...process.env, ...slow, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' };
      const child = spawn(process.execPath, [cliPath, 'serve'], { env, cwd: repoRoot });
      let log = '';
      child.stdout.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      let signalled = false;
      try {
        await waitForOk(`http://127.0.0.1:${port}/health`);
        const api = new Api(`http://127.0.0.1:${port}`);
        const login = okData(await api.post('/api/auth/login', { phone: '13700000009', password: 'operator-pass-1' }));
        okData(await api.get('/api/users/me', { token: login.access_token }));

        const started = Date.now();
        const inFlight = api.post('/api/auth/login', { phone: '13700000009', password: 'operator-pass-1' });
        await new Promise((r) => setTimeout(r, 150));
        child.kill('SIGTERM');
        signalled = true;
        const res = await inFlight;
        assert.equal(res.status, 200, `in-flight request after ${Date.now() - started}ms: ${res.text}`);
      } finally {
        if (!signalled) child.kill('SIGKILL');
      }
      assert.equal(await exited(child), 0, log);
      assert.match(log, /"msg":"parley is serving"/);
      assert.match(log, /"msg":"shutting down"/);
      assert.match(log, /"msg":"stopped"/);
      assert.doesNotMatch(log, /operator-pass-1/, 'passwords never reach the log');
    });
  });

  describe('quick start', () => {
    let dir: Scratch;
    before(async () => {
      dir = await scratch('sqlite');
    });
    after(async () => {
      await dir.cleanup();
    });

    it('`npm start` serves on the configured port with the embedded store, nothing else needed', async () => {
      const port = await freePort();
      const child = spawn('npm', ['start', '--silent'], {
        env: { ...process.env, ...testEnv, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir.dataDir },
        cwd: repoRoot,
        detached: true,
        stdio: 'ignore',
      });
      try {
        await waitForOk(`http://127.0.0.1:${port}/health`);
        const api = new Api(`http://127.0.0.1:${port}`);
        const reg = okData(await api.post('/api/auth/register', { phone: '13600000001', password: 'password123' }));
        assert.equal(reg.user.phone, '13600000001');
        // An operator's `kill <npm's pid>` stops the server too: npm signals only its own child,
        // so the script must be the server itself, not a shell left holding it.
        child.kill('SIGTERM');
        await exited(child);
        await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'nothing answers on the port after npm exits');
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // The group is gone already, as it should be.
        }
      }
    });
  });
});
