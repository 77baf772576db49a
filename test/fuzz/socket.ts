import fc from 'fast-check';
import WebSocket from 'ws';
import { AppError } from '../../src/domain/errors.ts';
import { compileStrict } from '../../src/http/validation.ts';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import type { Frame } from '../../src/profiles/kit/socket.ts';
import type { ProfileCodec } from '../../src/realtime/codec.ts';
import { contractProblems } from '../support/contract.ts';
import { codecOf } from '../support/kit.ts';
import type { Fixture } from './fixture.ts';
import type { Harness, Violation } from './harness.ts';
import { hostileValue, type FieldValue, type Labelled } from './hostile.ts';
import { Entries, Raw, Ref, serialize, setAt, showBytes, utf8, wellFormed, type Json } from './json.ts';
import { fieldName, fieldPaths, plain, poolFor, valid, type Schema } from './schema.ts';

/**
 * The WebSocket of each mounted profile, fuzzed from its declared commands: sequences of client
 * frames, each malformed JSON, an unknown or server-only type, a command with one field mutated,
 * a valid command (resume mid-stream, sends, calls), a binary frame, a frame over WS_MAX_FRAME or
 * a text frame that is not UTF-8. After each frame the server must answer any refusal with an
 * error frame in the profile's shape (its declared `error` frame schema; never the internal
 * error), keep the connection (a ping is still answered), and change nothing when it refused.
 * For the last two the protocol also allows a clean close (1009, 1007; RFC 6455 §7.4.1) instead
 * of the error frame; that passes too if nothing changed.
 */

export interface SocketTarget {
  profile: Profile;
  mount: string;
  /** Its listener (null: the main one). */
  port: number | null;
}

/** One client frame as planned: text (JSON with fixture references, or raw bytes), binary, or protocol breakers. */
export type FramePlan =
  | { kind: 'json'; value: Json; label: string }
  | { kind: 'text'; bytes: Buffer; label: string }
  | { kind: 'binary'; bytes: Buffer; label: string }
  | { kind: 'oversize'; bytes: number; label: string };

/** What a profile's socket says, learnt offline from its codec: frame names, the ping it answers. */
interface SocketFacts {
  commands: Record<string, Schema>;
  validators: Record<string, (v: unknown) => boolean>;
  pongType: string;
  errorType: string;
  /** A ping command in the document's wire. */
  ping: string | undefined;
  /** Whether the server answers this frame with a pong (it decodes to a ping command). */
  isPing(text: string): boolean;
  /** Whether `{type, data}` is this socket's client wire (else only malformed frames are sent). */
  defaultWire: boolean;
  internalCode: unknown;
}

function codeIn(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if ('code' in v && (typeof v.code === 'string' || typeof v.code === 'number')) return v.code;
  for (const x of Object.values(v)) {
    const found = codeIn(x);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function socketFacts(profile: Profile): SocketFacts {
  const socket = profile.socket!;
  const codec: ProfileCodec = codecOf(profile);
  const typeOf = (text: string | null) => {
    const f = text === null ? undefined : socket.readFrame(text);
    return typeof f === 'object' ? f.type : '';
  };
  const commands = Object.fromEntries(Object.entries(socket.commands).map(([k, s]) => [k, plain(s)]));
  const validators = Object.fromEntries(Object.entries(socket.commands).map(([k, s]) => [k, compileStrict(s) as (v: unknown) => boolean]));
  let ping: SocketFacts['ping'];
  let defaultWire = false;
  for (const [name, schema] of Object.entries(commands)) {
    const [data] = fc.sample(valid(schema), { numRuns: 1, seed: 1 });
    if (data instanceof Ref || data instanceof Raw) continue;
    const decoded = codec.decode(JSON.stringify({ type: name, data }));
    if (decoded.ok) defaultWire = true;
    if (decoded.ok && decoded.command.type === 'ping') ping = JSON.stringify({ type: name, data });
  }
  const internal = profile.errors.render(new AppError('INTERNAL', 'x'), '', 0).body;
  return {
    commands,
    validators,
    pongType: typeOf(codec.pong('x', 0)),
    errorType: typeOf(codec.error(new AppError('BAD_REQUEST', 'x'), {})),
    ping,
    isPing: (text) => {
      const decoded = codec.decode(text);
      return decoded.ok && decoded.command.type === 'ping';
    },
    defaultWire,
    internalCode: codeIn(internal),
  };
}

// ---------------------------------------------------------------- plans

const garbage = ['', ' ', '{', '}', 'null', 'true', '123', '"ping"', '[]', '[{"type":"ping","data":{}}]', '{"type":', '{type:"ping"}', "{'type':'ping'}", '\u0000', '{"type":"ping","data":{}}x', '\uFEFF{"type":"ping","data":{}}', '{"type":"ping","data":{}}{"type":"ping","data":{}}'];

type Weighted = { weight: number; arbitrary: fc.Arbitrary<FramePlan> };

function frameArbs(facts: SocketFacts, serverTypes: string[], maxFrame: number): Weighted[] {
  const names = Object.keys(facts.commands);
  const json = (value: Json, label: string): FramePlan => ({ kind: 'json', value, label });
  const unknownTypes = ['', 'nope', 'PING', 'ping ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(5000), ...serverTypes].filter((t) => !names.includes(t));
  const protocol: Weighted[] = [
    { weight: 2, arbitrary: fc.constantFrom(...garbage).map((g): FramePlan => ({ kind: 'text', bytes: Buffer.from(g), label: 'malformed' })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<[string, number[]]>(['ff-fe', [0xff, 0xfe]], ['overlong', [0xc0, 0xae]], ['encoded-surrogate', [0xed, 0xa0, 0x80]], ['truncated', [0x7b, 0xe4, 0xb8]]).map(
        ([label, bytes]): FramePlan => ({ kind: 'text', bytes: Buffer.concat([Buffer.from('{"type":"ping","data":{"timestamp":"'), Buffer.from(bytes), Buffer.from('"}}')]), label: `invalid-utf8:${label}` }),
      ),
    },
    // Just over WS_MAX_FRAME, and far over it (a server may read the first to answer it).
    { weight: 1, arbitrary: fc.constantFrom(maxFrame + 1, maxFrame * 5 + 1).map((n): FramePlan => ({ kind: 'oversize', bytes: n, label: `oversize:${n === maxFrame + 1 ? 'max+1' : '5×max+1'}` })) },
    { weight: 1, arbitrary: fc.constantFrom('{"type":"ping","data":{}}', '\u0000\u0001').map((b): FramePlan => ({ kind: 'binary', bytes: Buffer.from(b), label: 'binary' })) },
  ];
  if (!facts.defaultWire) return protocol;
  // Commands with more fields get more of the runs: there is more in them to get wrong.
  const command = fc.oneof(...names.map((n) => ({ weight: 1 + fieldPaths(facts.commands[n]!).length, arbitrary: fc.constant(n) })));
  const validFrame = command.chain((name) => valid(facts.commands[name]!).map((data) => json({ type: name, data }, `valid:${name}`)));
  const mutated = command.chain((name) => {
    const fields = fieldPaths(facts.commands[name]!);
    if (fields.length === 0) return fc.constant(json({ type: name, data: { unexpected: 1 } }, `extra-field:${name}`));
    return fc
      .tuple(valid(facts.commands[name]!), fc.constantFrom(...fields))
      .chain(([data, f]) => hostileValue(f.schema, fieldName(f.path)).map((h: Labelled<FieldValue>) => ({ data, f, h })))
      .map(({ data, f, h }) => json({ type: name, data: setAt(data, f.path, h.value) }, `field:${name}.${f.path.join('.')}=${h.label}`));
  });
  const wrongData = fc.tuple(command, fc.constantFrom<Json>(null, [], 'x', 1, true)).map(([name, data]) => json({ type: name, data }, `data-not-object:${name}`));
  const noData = command.map((name) => json({ type: name }, `no-data:${name}`));
  const unknown = fc.oneof(fc.constantFrom(...unknownTypes), fc.string({ maxLength: 20 }).filter((t) => !names.includes(t))).map((t) => json({ type: t, data: {} }, `unknown-type:${t.slice(0, 20)}`));
  const typeNotText = fc.constantFrom<Json>(1, null, [], {}, true).map((t) => json({ type: t, data: {} }, 'type-not-text'));
  const duplicate = command.map((name) => json(new Entries([['type', name], ['data', {}], ['type', 'nope']]), `duplicate-type-key:${name}`));
  const resume = fc.constantFrom(0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER).map((since) => json({ type: 'resume', data: { since } }, `out-of-order:resume ${since}`));
  return [
    ...protocol,
    { weight: 3, arbitrary: validFrame },
    { weight: 10, arbitrary: mutated },
    { weight: 1, arbitrary: wrongData },
    { weight: 1, arbitrary: noData },
    { weight: 2, arbitrary: unknown },
    { weight: 1, arbitrary: typeNotText },
    { weight: 1, arbitrary: duplicate },
    ...(names.includes('resume') ? [{ weight: 1, arbitrary: resume }] : []),
  ];
}

export function framesArb(facts: SocketFacts, serverTypes: string[], maxFrame: number): fc.Arbitrary<FramePlan[]> {
  const arbs = frameArbs(facts, serverTypes, maxFrame);
  const shown = (p: FramePlan): FramePlan => Object.defineProperty({ ...p }, fc.toStringMethod, { value: () => showFrame(p), enumerable: false });
  return fc.array(fc.oneof(...arbs).map(shown), { minLength: 1, maxLength: 3 });
}

/** The bytes of a frame, fixture references resolved. */
function frameBytes(plan: FramePlan, fixture: Fixture | undefined): Buffer {
  if (plan.kind === 'json') {
    return serialize(plan.value, (r) => {
      if (!fixture) return `<${r.pool}#${r.index}>`;
      const pool = fixture.pools[r.pool];
      const v = pool[r.index % pool.length]!;
      return r.as === 'text' ? String(v) : v;
    });
  }
  if (plan.kind === 'oversize') return Buffer.from(`{"type":"ping","data":{"timestamp":"${'x'.repeat(plan.bytes)}"}}`);
  return plan.bytes;
}

export function showFrame(plan: FramePlan, fixture?: Fixture): string {
  return `[${plan.label}] ${plan.kind === 'binary' ? '(binary) ' : ''}${showBytes(frameBytes(plan, fixture), 300)}`;
}

/**
 * Why the server must refuse a frame (an error frame), from the command schemas; and the close
 * the WebSocket protocol allows instead of an error frame, for a frame over the size limit (1009)
 * or a text frame that is not UTF-8 (1007).
 */
function expectation(facts: SocketFacts, plan: FramePlan, bytes: Buffer, maxFrame: number): { refuse?: string; mayClose?: number } {
  if (plan.kind === 'oversize' || bytes.length > maxFrame) return { refuse: `a frame over WS_MAX_FRAME (${maxFrame} bytes)`, mayClose: 1009 };
  if (plan.kind === 'binary') return { refuse: 'a binary frame' };
  const text = utf8(bytes);
  if (text === undefined) return { refuse: 'a text frame that is not UTF-8', mayClose: 1007 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { refuse: 'not JSON' };
  }
  if (!wellFormed(value)) return { refuse: 'a lone surrogate' };
  if (!facts.defaultWire) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { refuse: 'not a JSON object' };
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(facts.commands, type)) return { refuse: 'not a command of this socket' };
  const d = data ?? {};
  // `value` is this test's own parse: the validator may strip unknown fields from it in place.
  if (typeof d !== 'object' || Array.isArray(d) || !facts.validators[type]!(d)) return { refuse: `data that ${type}'s schema refuses` };
  return {};
}

// ---------------------------------------------------------------- the connection

interface Received {
  text: string;
  frame: Frame | string;
}

/** A client connection that queues what it receives, counts the pongs, and notices its close. */
class Client {
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | undefined;
  pongs = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly profile: Profile,
    pongType: string,
  ) {
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString('utf8');
      const frame = profile.socket!.readFrame(text);
      if (typeof frame === 'object' && frame.type === pongType) this.pongs++;
      this.received.push({ text, frame });
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `done()` holds, or the time is up. */
  async until(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  take(): Received[] {
    return this.received.splice(0);
  }
}

function socketPath(t: SocketTarget, fixture: Fixture): string {
  return `${t.mount}${t.profile.socket!.path}`.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const pool = poolFor(name, 'param');
    if (!pool || pool === 'user') return String(fixture.userId);
    return String(fixture.pools[pool][0]);
  });
}

async function connect(t: SocketTarget, base: string, fixture: Fixture, pongType: string): Promise<Client> {
  const url = new URL(socketPath(t, fixture), base.replace(/^http/, 'ws'));
  // Sockets bound to a device (xiaoxiang) name the session's; the others ignore the parameter.
  url.searchParams.set('deviceId', fixture.deviceId);
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${fixture.token}` } });
  const client = new Client(ws, t.profile, pongType);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return client;
}

/** Waits for the server's own work started by a frame (commands run in order, call records). */
async function settle(h: Harness): Promise<void> {
  const gateway = h.server.app.gateway as unknown as { tasks?: Set<Promise<unknown>> };
  for (let i = 0; i < 10; i++) {
    if (gateway.tasks) while (gateway.tasks.size > 0) await Promise.allSettled([...gateway.tasks]);
    await h.core.calls.idle();
    await h.core.presence.idle();
    if (!gateway.tasks?.size) break;
  }
  if (!gateway.tasks) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Runs the fuzzer over one socket: keeps one connection (reconnected after a close the
 * protocol requires, or after the fixture was seeded again) and checks each frame's outcome.
 */
export class SocketFuzzer {
  private client: Client | undefined;
  private clientFixture: Fixture | undefined;
  readonly facts: SocketFacts;
  readonly maxFrame: number;

  constructor(
    private readonly h: Harness,
    readonly target: SocketTarget,
  ) {
    this.facts = socketFacts(target.profile);
    this.maxFrame = h.core.config.ws.maxFrameBytes;
  }

  get serverTypes(): string[] {
    return Object.keys(this.target.profile.socket!.frames);
  }

  /** The connection of the current fixture's user, opened (again) when needed. */
  private async open(): Promise<Client> {
    // Opening may itself be seen as a change (a new fixture, even a new server): open again then.
    while (!this.client || this.client.closed || this.clientFixture !== this.h.fixture) {
      await this.close();
      this.clientFixture = this.h.fixture;
      this.client = await connect(this.target, this.h.baseOf(this.target.port), this.h.fixture, this.facts.pongType);
      await this.barrier(this.client, this.client.pongs);
      await this.h.changes(false);
      this.client.take();
    }
    return this.client;
  }

  /**
   * Once the server's own work is done, a ping answered proves the connection open and that all
   * it sent before has arrived (frames on a socket keep their order). `pongs`: the count of pongs
   * the barrier's is to follow (those before it, and one for a fuzz frame that was a ping).
   */
  private async barrier(client: Client, pongs: number): Promise<boolean> {
    await settle(this.h);
    if (!this.facts.ping) {
      await new Promise((r) => setTimeout(r, 30));
      return client.closed === undefined;
    }
    client.ws.send(this.facts.ping);
    return (await client.until(() => client.closed !== undefined || client.pongs > pongs, 5000)) && client.closed === undefined;
  }

  async close(): Promise<void> {
    if (this.client && !this.client.closed) {
      this.client.ws.close();
      await this.client.until(() => this.client!.closed !== undefined, 2000);
    }
  }

  /** Sends one frame and checks what follows; returns what was wrong. */
  async exchange(plan: FramePlan): Promise<{ violations: Violation[]; shown: string }> {
    const client = await this.open();
    const fixture = this.h.fixture;
    const bytes = frameBytes(plan, fixture);
    const expect = expectation(this.facts, plan, bytes, this.maxFrame);
    const shown = showFrame(plan, fixture);
    // A ping the server takes is answered with a pong before the barrier's.
    const text = plan.kind === 'binary' || expect.refuse ? undefined : utf8(bytes);
    const pongs = client.pongs + (text !== undefined && this.facts.isPing(text) ? 1 : 0);
    client.ws.send(bytes, { binary: plan.kind === 'binary' });
    const out: Violation[] = [];
    const alive = await this.barrier(client, pongs);
    if (!alive && expect.mayClose !== undefined && client.closed?.code === expect.mayClose) {
      // The protocol's own close: acceptable, if nothing changed.
      const changed = await this.h.changes(false);
      if (changed.length > 0) out.push({ kind: 'state-changed', detail: `the connection closed (${expect.mayClose}), yet the state changed:\n    ${changed.slice(0, 8).join('\n    ')}` });
      return { violations: out, shown: `${shown}\n  → close ${expect.mayClose}` };
    }
    const got = client.take();
    const changed = await this.h.changes(false);
    const { errorType, pongType } = this.facts;
    // The barrier's own pong is the last one.
    const last = got.findLastIndex((r) => typeof r.frame === 'object' && r.frame.type === pongType);
    const frames = alive && last >= 0 ? [...got.slice(0, last), ...got.slice(last + 1)] : got;
    const errors = frames.filter((r) => typeof r.frame === 'object' && r.frame.type === errorType);
    const shownFrames = frames.map((r) => r.text.slice(0, 300)).join('\n    ') || '(no frame)';
    if (!alive) out.push({ kind: 'ws-closed', detail: client.closed ? `closed ${client.closed.code} ${client.closed.reason}` : 'no answer to a ping within 5 s' });
    for (const r of frames) {
      if (typeof r.frame === 'string') {
        out.push({ kind: 'ws-frame-shape', detail: r.frame });
        continue;
      }
      const schema = this.target.profile.socket!.frames[r.frame.type];
      const problems = schema ? contractProblems(schema, r.frame.data) : [`frame type ${r.frame.type} is not declared`];
      if (problems.length > 0) out.push({ kind: 'ws-frame-shape', detail: `${r.text.slice(0, 300)}\n  ${problems.slice(0, 3).join('; ')}` });
      if (r.frame.type === errorType && codeIn(r.frame.data) === this.facts.internalCode) out.push({ kind: 'ws-internal', detail: r.text.slice(0, 300) });
    }
    if (expect.refuse && errors.length === 0) out.push({ kind: 'ws-accepted', detail: `must be refused (${expect.refuse}); got\n    ${shownFrames}` });
    if (errors.length > 0 && changed.length > 0) out.push({ kind: 'state-changed', detail: `refused with ${errors[0]!.text.slice(0, 200)}, yet the state changed:\n    ${changed.slice(0, 8).join('\n    ')}` });
    return { violations: out, shown: `${shown}\n  → ${shownFrames}` };
  }
}
