import type { Static, TSchema } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import type { AnySignal, DomainEvent, EventType, Signal, SignalType } from '../../domain/events.ts';
import { checkWellFormed } from '../../http/request-text.ts';
import { compileStrict, fieldProblems } from '../../http/validation.ts';
import type {
  ClientCommand,
  CommandOutcome,
  ConnectInfo,
  Decoded,
  FrameRef,
  ProfileCodec,
  RefetchNotice,
  ResumeOutcome,
  SocketEndpoint,
  UpgradeRequest,
} from '../../realtime/codec.ts';
import type { SendResult } from '../../services/messages.ts';
import type { ErrorTable } from './errors.ts';
import type { FileLinks } from './links.ts';
import type { Services } from './services.ts';

/** A frame before serialisation: its name and its data. */
export interface Frame {
  type: string;
  data: unknown;
  /** The client frame's request id an answer echoes, for documents whose answers carry one. */
  requestId?: string;
}

type Frames = Frame | readonly Frame[] | null;
export type EventEncoders = { [T in EventType]?: (event: DomainEvent<T>) => Frames };
export type SignalEncoders = { [T in SignalType]?: (signal: Signal<T>) => Frames };

/** What a socket's encoders may use: services for the shared (public) views, and file links. */
export interface SocketDeps {
  services: Services;
  /** File links in frames: under PUBLIC_URL, else under the base the receivers connected with (the same for all of them). */
  links: FileLinks;
  errors: ErrorTable;
}

/** A client command of the document: its data schema and the core command it becomes. */
export interface CommandDef<S extends TSchema = TSchema> {
  schema: S;
  command(data: Static<S>): ClientCommand;
}

export function command<S extends TSchema>(schema: S, toCommand: (data: Static<S>) => ClientCommand): CommandDef<S> {
  return { schema, command: toCommand };
}

/**
 * A client compatibility mode a deployment may switch on for a socket (e.g. zhihang's `im-suite`):
 * frames it adds after the document's own for the same event or signal, and their schemas. With
 * the mode off the socket sends exactly the document's frames.
 */
export interface CompatMode {
  encoders(deps: SocketDeps): { events?: EventEncoders; signals?: SignalEncoders };
  frames: Record<string, TSchema>;
}

export interface SocketSpec {
  /** Below the profile's mount, with `{param}`s as the document writes them. */
  path: string;
  /** A profile's own upgrade checks (throw AppError to refuse). */
  authorizeUpgrade?(this: void, upgrade: UpgradeRequest): void;
  /** How the document puts a frame on the wire; default `{"type", "seq"?, "data"}`. */
  wire?: { event(f: Frame, seq: number): unknown; signal(f: Frame): unknown };
  /** A server frame read back from its wire, the inverse of `wire` (contract tests read frames so); default `{type, data}`. */
  unwire?(this: void, value: Record<string, unknown>): Frame | undefined;
  /** How the document reads a client frame: its command name, data and reference fields. */
  read?(this: void, frame: Record<string, unknown>): { type: string; data: unknown; ref: FrameRef };
  /** What a client frame looks like, told to a client whose frame names no command; default `{"type", "data"}`. */
  frameShape?: string;
  encoders(deps: SocketDeps): { events: EventEncoders; signals: SignalEncoders };
  /** Whether a user in an event's audience is shown it at all (see ProfileCodec.shows); default yes. */
  shows?(this: void, event: DomainEvent, userId: number): boolean;
  commands: Record<string, CommandDef>;
  /** The schema of each server frame's data, by frame type: the socket's contract, checked by the tests. */
  frames?: Record<string, TSchema>;
  /** Compatibility modes, by name; a mount switches them on (see `endpoint`). */
  compat?: Record<string, CompatMode>;
  connect?(info: ConnectInfo): Frame;
  pong(echo: unknown, at: number, ref: FrameRef): Frame;
  /** An error frame from the REST error body (`body`) and what it answers. */
  error(body: unknown, ref: FrameRef): Frame;
  resumed?(outcome: ResumeOutcome): Frame;
  refetch(notice: RefetchNotice): Frame;
  ack(result: SendResult, ref: FrameRef, deps: SocketDeps): Frame | null;
  /** The answer to another command that succeeded (see ProfileCodec.done); none by default. */
  done?(outcome: CommandOutcome, ref: FrameRef, deps: SocketDeps): Frame | null;
}

/** A profile's socket, ready to be built once its mount and services are known. */
export interface SocketDef {
  readonly path: string;
  readonly frames: Readonly<Record<string, TSchema>>;
  /** The frames each compatibility mode adds, by mode, with their schemas. */
  readonly compatFrames?: Readonly<Record<string, Readonly<Record<string, TSchema>>>>;
  /** The data schema of each client command, by command name (what the fuzz test sends). */
  readonly commands: Readonly<Record<string, TSchema>>;
  /** A server frame's type and data from its wire text, or what is wrong with it. */
  readFrame(text: string): Frame | string;
  /** The socket as mounted, with the compatibility modes this deployment switched on. */
  endpoint(profile: string, mount: string, deps: SocketDeps, compat?: readonly string[]): SocketEndpoint;
}

const asList = (f: Frames): readonly Frame[] => (f === null ? [] : isFrameList(f) ? f : [f]);
const isFrameList = (f: Frame | readonly Frame[]): f is readonly Frame[] => Array.isArray(f);

function defaultRead(frame: Record<string, unknown>): { type: string; data: unknown; ref: FrameRef } {
  const type = typeof frame.type === 'string' ? frame.type : '';
  const data = frame.data ?? {};
  const ref: FrameRef = { type: type.slice(0, 64) };
  if (typeof data === 'object' && data !== null) {
    const { client_id, call_id } = data as { client_id?: unknown; call_id?: unknown };
    if (typeof client_id === 'string') ref.clientId = client_id.slice(0, 64);
    if (typeof call_id === 'string') ref.callId = call_id.slice(0, 64);
  }
  return { type, data, ref };
}

function defaultUnwire(value: Record<string, unknown>): Frame | undefined {
  return typeof value.type === 'string' && 'data' in value ? { type: value.type, data: value.data } : undefined;
}

const defaultWire = {
  event: (f: Frame, seq: number) => ({ type: f.type, seq, data: f.data }),
  signal: (f: Frame) => ({ type: f.type, data: f.data }),
};

/**
 * A document's WebSocket as a mapping: its path, frames for the core's events and signals, the
 * client commands it accepts. Decoding, strict validation (no coercion), error frames in the
 * profile's shape and seq injection are done here, once for every profile.
 */
export function defineSocket(spec: SocketSpec): SocketDef {
  const validators = new Map(Object.entries(spec.commands).map(([name, c]) => [name, { def: c, validate: compileStrict(c.schema) }]));
  const names = [...validators.keys()];
  const wire = spec.wire ?? defaultWire;
  const read = spec.read ?? defaultRead;
  const shape = `a frame is a JSON object ${spec.frameShape ?? '{"type": "<frame type>", "data": {...}}'}`;

  function decode(text: string): Decoded {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, error: new AppError('BAD_REQUEST', `the frame is not valid JSON; ${shape}`), ref: {} };
    }

    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: new AppError('BAD_REQUEST', shape), ref: {} };
    const { type, data, ref } = read(parsed as Record<string, unknown>);
    // A frame naming no command still gets its request id back (documents whose answers carry one).
    if (type === '') return { ok: false, error: new AppError('BAD_REQUEST', shape), ref: ref.requestId === undefined ? {} : { requestId: ref.requestId } };
    try {
      checkWellFormed(text, parsed, 'frame');
    } catch (err) {
      return { ok: false, error: err as AppError, ref };
    }
    const entry = Object.hasOwn(spec.commands, type) ? validators.get(type) : undefined;
    if (!entry) return { ok: false, error: new AppError('BAD_REQUEST', `unknown frame type "${ref.type ?? type}"; expected one of ${names.join(', ')}`), ref };
    if (typeof data !== 'object' || data === null || Array.isArray(data) || !entry.validate(data)) {
      const problems = entry.validate.errors?.length ? fieldProblems(entry.validate.errors, 'data') : [{ field: 'data', message: 'must be an object' }];
      return { ok: false, error: AppError.validation(problems), ref };
    }
    try {
      return { ok: true, command: entry.def.command(data), ref };
    } catch (err) {
      // A mapping may refuse what the schema let through (e.g. a file link that is not ours).
      if (err instanceof AppError) return { ok: false, error: err, ref };
      throw err;
    }
  }

  const unwire = spec.unwire ?? defaultUnwire;
  return {
    path: spec.path,
    frames: spec.frames ?? {},
    compatFrames: Object.fromEntries(Object.entries(spec.compat ?? {}).map(([mode, m]) => [mode, m.frames])),
    commands: Object.fromEntries(Object.entries(spec.commands).map(([name, c]) => [name, c.schema])),
    readFrame(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return `not JSON: ${text.slice(0, 200)}`;
      }
      const frame = typeof value === 'object' && value !== null && !Array.isArray(value) ? unwire(value as Record<string, unknown>) : undefined;
      return frame ?? `not a frame of this socket's wire: ${text.slice(0, 200)}`;
    },
    endpoint(name, mount, deps, compat = []) {
      const unknown = compat.filter((m) => !spec.compat?.[m]);
      if (unknown.length > 0) throw new Error(`${name}: unknown compatibility mode ${unknown.join(', ')}`);
      const own = spec.encoders(deps);
      const added = compat.map((m) => spec.compat![m]!.encoders(deps));
      // The document's frames first, then each mode's for the same event or signal.
      const events = (type: string) => [own.events, ...added.map((a) => a.events)].flatMap((e) => (e?.[type as EventType] as ((e: DomainEvent) => Frames) | undefined) ?? []);
      const signals = (type: string) => [own.signals, ...added.map((a) => a.signals)].flatMap((e) => (e?.[type as SignalType] as ((s: AnySignal) => Frames) | undefined) ?? []);
      const text = (f: unknown) => JSON.stringify(f);
      const errorFrame = (err: AppError, ref: FrameRef) => spec.error(deps.errors.render(err, ref.requestId ?? '', Date.now()).body, ref);
      const codec: ProfileCodec = {
        name,
        connect: (info) => (spec.connect ? text(wire.signal(spec.connect(info))) : null),
        event: (event) => events(event.type).flatMap((encode) => asList(encode(event)).map((f) => text(wire.event(f, event.seq)))),
        ...(spec.shows && { shows: spec.shows }),
        signal: (signal) => signals(signal.type).flatMap((encode) => asList(encode(signal)).map((f) => text(wire.signal(f)))),
        decode,
        pong: (echo, at, ref = {}) => text(wire.signal(spec.pong(echo, at, ref))),
        error: (err, ref) => text(wire.signal(errorFrame(err, ref))),
        resumed: (o) => (spec.resumed ? text(wire.signal(spec.resumed(o))) : null),
        refetch: (n) => text(wire.signal(spec.refetch(n))),
        ack: (result, ref) => {
          const frame = spec.ack(result, ref, deps);
          return frame ? text(wire.signal(frame)) : null;
        },
        ...(spec.done && {
          done: (outcome: CommandOutcome, ref: FrameRef) => {
            const frame = spec.done!(outcome, ref, deps);
            return frame ? text(wire.signal(frame)) : null;
          },
        }),
        refusal(err) {
          const r = deps.errors.render(err, '', Date.now());
          return { status: r.status, body: JSON.stringify(r.body) };
        },
      };
      return {
        path: `${mount}${spec.path}`,
        ...(spec.authorizeUpgrade && { authorizeUpgrade: spec.authorizeUpgrade }),
        codec,
      };
    },
  };
}
