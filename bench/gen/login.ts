import argon2 from 'argon2';
import { now } from '../lib/clock.ts';
import { HttpClient, mapLimit } from '../lib/http.ts';
import { ErrorLog } from '../lib/errors.ts';
import { Histogram, type HistogramJSON } from '../lib/stats.ts';

export interface LoginStorm {
  url: string;
  logins: { phone: string; password: string }[];
  concurrency: number;
  localAddress?: string;
}

export interface LoginReport {
  ok: number;
  errors: number;
  errorSamples: string[];
  latency: HistogramJSON;
  seconds: number;
}

/** Every login at once (up to `concurrency` in flight): what a server restart's reconnect wave looks like. */
export async function loginStorm(s: LoginStorm): Promise<LoginReport> {
  const http = new HttpClient({ localAddress: s.localAddress, maxSockets: s.concurrency });
  const latency = new Histogram();
  const errors = new ErrorLog();
  let ok = 0;
  const start = now();
  await mapLimit(s.logins, s.concurrency, async (l) => {
    const t0 = now();
    try {
      const res = await http.request('POST', `${s.url}/api/auth/login`, { phone: l.phone, password: l.password });
      if (res.status === 200) {
        ok++;
        latency.record(now() - t0);
      } else {
        errors.note(`HTTP ${res.status} ${res.text}`);
      }
    } catch (err) {
      errors.note((err as Error).message);
    }
  });
  const seconds = (now() - start) / 1000;
  http.close();
  return { ok, errors: errors.count, errorSamples: errors.samples, latency: latency.toJSON(), seconds };
}

export interface Argon2Cost {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  iterations: number;
}

/**
 * The password-hash cost alone, timed here with the server's parameters one at a time: what a
 * login costs before any HTTP, SQL or fsync, and so the ceiling on logins per core.
 */
export async function argon2Cost(c: Argon2Cost): Promise<{ hashMs: ReturnType<Histogram['summary']>; verifyMs: ReturnType<Histogram['summary']> }> {
  const options = { type: argon2.argon2id as 2, memoryCost: c.memoryKib, timeCost: c.timeCost, parallelism: c.parallelism };
  const hashMs = new Histogram();
  const verifyMs = new Histogram();
  await argon2.hash('warm-up-password', options);
  for (let i = 0; i < c.iterations; i++) {
    let t = now();
    const hash = await argon2.hash(`password-${i}`, options);
    hashMs.record(now() - t);
    t = now();
    await argon2.verify(hash, `password-${i}`);
    verifyMs.record(now() - t);
  }
  return { hashMs: hashMs.summary(), verifyMs: verifyMs.summary() };
}
