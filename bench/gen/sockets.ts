import WebSocket from 'ws';
import { now } from '../lib/clock.ts';
import { Histogram } from '../lib/stats.ts';

/** One socket to open: the server's base URL (http://…) and a user's access token. */
export interface SocketSpec {
  url: string;
  token: string;
}

export interface OpenOptions {
  /** Source addresses to spread the sockets over (round robin); the system's choice when empty. */
  localAddresses: string[];
  /** Handshakes in flight at once. */
  concurrency: number;
  /** Called with every frame of socket `i` once it is open (the connect frame included). */
  onFrame(i: number, data: Buffer): void;
  /** Called when socket `i` closes after it opened. */
  onClose?(i: number, code: number): void;
}

export interface OpenReport {
  opened: number;
  failed: number;
  /** A few failure reasons, for the report. */
  errors: string[];
  /** From the start of the handshake to the connect frame. */
  connectMs: ReturnType<Histogram['summary']>;
  seconds: number;
}

export function wsUrl(base: string, token: string): string {
  return `${base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;
}

/**
 * Opens the sockets (each is ready when its `connect` frame arrives); failed ones stay undefined
 * in the returned array.
 */
export async function openSockets(specs: readonly SocketSpec[], o: OpenOptions): Promise<{ sockets: (WebSocket | undefined)[]; report: OpenReport }> {
  const sockets: (WebSocket | undefined)[] = new Array(specs.length);
  const connectMs = new Histogram();
  const errors: string[] = [];
  let failed = 0;
  const started = now();
  const openOne = (i: number) =>
    new Promise<void>((resolve) => {
      const spec = specs[i]!;
      const t0 = now();
      const localAddress = o.localAddresses.length > 0 ? o.localAddresses[i % o.localAddresses.length] : undefined;
      const ws = new WebSocket(wsUrl(spec.url, spec.token), { perMessageDeflate: false, localAddress, handshakeTimeout: 60_000 });
      let open = false;
      let settled = false;
      const fail = (why: string) => {
        if (open || settled) return;
        settled = true;
        failed++;
        if (errors.length < 5) errors.push(why);
        ws.terminate();
        resolve();
      };
      ws.on('error', (err) => fail(err.message));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => fail(`HTTP ${res.statusCode} ${body.slice(0, 200)}`));
      });
      ws.on('close', (code) => {
        if (open) o.onClose?.(i, code);
        else fail(`closed ${code} before the connect frame`);
      });
      ws.on('message', (data: Buffer) => {
        if (!open) {
          if (settled) return;
          open = true;
          settled = true;
          connectMs.record(now() - t0);
          sockets[i] = ws;
          resolve();
        }
        o.onFrame(i, data);
      });
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(o.concurrency, specs.length) }, async () => {
      while (next < specs.length) await openOne(next++);
    }),
  );
  return {
    sockets,
    report: { opened: specs.length - failed, failed, errors, connectMs: connectMs.summary(), seconds: (now() - started) / 1000 },
  };
}

/** Resolves once no frame has arrived for `quietMs` (or after `maxMs`); `last()` gives the last arrival. */
export async function quiet(last: () => number, quietMs: number, maxMs: number): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = now();
  for (;;) {
    const t = now();
    if (t - last() >= quietMs) return { waitedMs: t - start, quiet: true };
    if (t - start >= maxMs) return { waitedMs: t - start, quiet: false };
    await new Promise((r) => setTimeout(r, 50));
  }
}
