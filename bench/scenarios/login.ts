import { availableParallelism } from 'node:os';
import type { Argon2Cost, LoginReport } from '../gen/login.ts';
import { now } from '../lib/clock.ts';
import { latency, num } from '../lib/report.ts';
import { int, type Scenario } from '../lib/scenario.ts';
import { registerUsers } from '../lib/setup.ts';
import { Histogram } from '../lib/stats.ts';

interface LoginOptions {
  logins: number;
  concurrency: number;
  argon2: { memoryKib: number; timeCost: number; parallelism: number } | undefined;
  iterations: number;
}

/** The server's argon2id defaults (src/config.ts), used when the server's own settings are unknown. */
const SERVER_DEFAULT = { memoryKib: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A login storm: N registered users all log in at once (phone + password). Passwords are hashed
 * with the server's real argon2id parameters here (this scenario does not cheapen them), and the
 * generator times one hash and one verify with the same parameters on its own, before the storm,
 * so the report separates the hash cost from everything else a login does.
 */
export const login: Scenario<LoginOptions> = {
  name: 'login',
  summary: 'a login storm: N concurrent logins; password-hash cost reported separately',
  options: {
    logins: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '200' },
    argon2: { type: 'string' },
    'argon2-iterations': { type: 'string', default: '10' },
  },
  help: {
    logins: 'users registered, then logged in at once',
    concurrency: 'logins in flight',
    argon2: "memoryKib,timeCost,parallelism to time in the generator (default: the server's)",
    'argon2-iterations': 'hashes and verifies timed in the generator',
  },
  parse(v) {
    let argon2: LoginOptions['argon2'];
    if (typeof v.argon2 === 'string') {
      const [m, t, p] = v.argon2.split(',').map(Number);
      if (!m || !t || !p) throw new Error('--argon2 takes memoryKib,timeCost,parallelism (e.g. 19456,2,1)');
      argon2 = { memoryKib: m, timeCost: t, parallelism: p };
    }
    const logins = int(v.logins, 'logins', 1);
    return { logins, concurrency: Math.min(logins, int(v.concurrency, 'concurrency', 1)), argon2, iterations: int(v['argon2-iterations'], 'argon2-iterations', 1) };
  },
  async run(ctx, o) {
    const env = ctx.target.env;
    const cost = o.argon2 ?? {
      memoryKib: Number(env.ARGON2_MEMORY_KIB ?? SERVER_DEFAULT.memoryKib),
      timeCost: Number(env.ARGON2_TIME_COST ?? SERVER_DEFAULT.timeCost),
      parallelism: Number(env.ARGON2_PARALLELISM ?? SERVER_DEFAULT.parallelism),
    };
    ctx.log(`registering ${o.logins} users (argon2id m=${cost.memoryKib} KiB, t=${cost.timeCost}, p=${cost.parallelism} on the server)`);
    const t0 = now();
    const users = await registerUsers(ctx.http, ctx.target.urls, ctx.tag, o.logins, 4);
    const setupSeconds = (now() - t0) / 1000;
    const [gen] = await ctx.startGenerators(1);
    ctx.log('timing argon2id in the generator');
    const argon2 = await gen!.call<{ hashMs: ReturnType<Histogram['summary']>; verifyMs: ReturnType<Histogram['summary']> }>('login.argon2', {
      ...cost,
      iterations: o.iterations,
    } satisfies Argon2Cost);
    ctx.log(`storm: ${o.logins} logins, ${o.concurrency} at once`);
    // The measured window is the storm: from its start to the last answer.
    const window = await ctx.openWindow(now() + 200);
    const report = await gen!.call<LoginReport>('login.storm', {
      url: ctx.target.urls[0]!,
      logins: users.map((u) => ({ phone: u.phone, password: u.password })),
      concurrency: o.concurrency,
      localAddress: ctx.common.localAddresses[0],
    });
    const w = await window.close();
    const lat = Histogram.from(report.latency).summary();
    const perSec = report.ok / report.seconds;
    const cores = availableParallelism();
    const rows: [string, string][] = [
      ['logins/s', `${num(perSec, 1)}  (${num(report.ok)} logins in ${num(report.seconds, 2)} s, ${o.concurrency} in flight)`],
      ['login latency ms', latency(lat)],
      ['argon2id hash ms', `${latency(argon2.hashMs)}  (m=${cost.memoryKib} KiB, t=${cost.timeCost}, p=${cost.parallelism}, one at a time in the generator)`],
      ['argon2id verify ms', latency(argon2.verifyMs)],
      ['hash-bound ceiling', `${num((cores * 1000) / argon2.verifyMs.p50, 1)} logins/s on ${cores} cores (cores × 1000 / verify p50)`],
      ['errors', `${num(report.errors)}${report.errorSamples.length ? `: ${report.errorSamples[0]}` : ''}`],
      ['setup', `${num(o.logins)} users registered in ${num(setupSeconds, 1)} s (${num(o.logins / setupSeconds, 1)}/s)`],
    ];
    return {
      title: `login: ${o.logins} logins, ${o.concurrency} concurrent`,
      params: { ...o, argon2: cost },
      window: w,
      rows,
      results: { loginsPerSec: perSec, latency: lat, argon2, errors: report.errors, errorSamples: report.errorSamples, seconds: report.seconds, operations: report.ok, setupSeconds },
      problems: report.errors > 0 ? [`${report.errors} logins failed`] : [],
      key: { 'logins/s': perSec, 'login p50 ms': lat.p50, 'login p99 ms': lat.p99, 'argon2 verify ms': argon2.verifyMs.p50 },
    };
  },
};
