import assert from 'node:assert/strict';
import type { Core } from '../../src/core.ts';
import type { AnySignal, Audience, DomainEvent, EventType, SignalAudience, SignalType } from '../../src/domain/events.ts';
import type { RunningServer } from '../../src/main.ts';
import { profiles as registry } from '../../src/profiles/index.ts';
import { mountedSocket, type Profile } from '../../src/profiles/kit/profile.ts';
import { servicesOf } from '../../src/profiles/kit/services.ts';
import type { ProfileCodec } from '../../src/realtime/codec.ts';
import { contractProblems } from './contract.ts';

/**
 * Service-level checks of the core's rules and of every profile's socket contract at once: run an
 * action that calls services, capture the durable events it logged and the transient signals it
 * raised, assert their types and audiences, and render each through every mounted profile's
 * socket codec, validating each frame's data against the schema the profile declares for it.
 */

/** A started test server, or a bare core (then every profile given is rendered). */
export type Target = { core: Core } & Partial<Pick<RunningServer, 'listeners'>>;

export interface VerifyOptions {
  /** The profiles to render through (default: Parley's registry); only mounted ones are used. */
  profiles?: readonly Profile[];
}

/** One frame a profile rendered for an event or signal. */
export interface RenderedFrame {
  profile: string;
  /** The event or signal type it renders. */
  source: string;
  type: string;
  data: unknown;
}

interface ProfileSocket {
  profile: Profile;
  codec: ProfileCodec;
}

/** Problems of one wire frame of `profile` against the data schema its socket declares for the frame's type. */
export function frameProblems(profile: Profile, text: string): { frame?: { type: string; data: unknown }; problems: string[] } {
  if (!profile.socket) return { problems: [`${profile.name} has no socket`] };
  const frame = profile.socket.readFrame(text);
  if (typeof frame === 'string') return { problems: [frame] };
  const schema = profile.socket.frames[frame.type];
  if (!schema) return { frame, problems: [`frame "${frame.type}" has no declared schema (socket.frames)`] };
  return { frame, problems: contractProblems(schema, frame.data) };
}

function socketsOf(target: Target, given: readonly Profile[]): ProfileSocket[] {
  const mounted = target.listeners ? target.listeners.flatMap((l) => l.profiles) : given.map((p) => p.name);
  const services = servicesOf(target.core);
  return mounted.flatMap((name) => {
    const profile = given.find((p) => p.name === name);
    if (!profile) throw new Error(`verifyAction: profile ${name} is mounted but not among the profiles given (${given.map((p) => p.name).join(', ')})`);
    // Frames are checked for their shape; where a profile is mounted changes only link prefixes.
    const socket = mountedSocket(profile, '', services, target.core.config.publicUrl);
    return socket ? [{ profile, codec: socket.codec }] : [];
  });
}

const audienceText = (a: Audience | SignalAudience) => JSON.stringify(a);

/** What an action did, as events and signals, with assertions over them. */
export class Verified<T> {
  constructor(
    readonly result: T,
    /** Durable events the action logged, in seq order. */
    readonly events: readonly DomainEvent[],
    /** Transient signals it raised, in order. */
    readonly signals: readonly AnySignal[],
    private readonly sockets: readonly ProfileSocket[],
  ) {}

  /** `type → audience` of each event, in seq order. */
  get emitted(): { type: EventType; audience: Audience }[] {
    return this.events.map((e) => ({ type: e.type, audience: e.audience }));
  }

  /** Asserts the events, in order: each type and audience, nothing more. */
  assertEvents(expected: readonly { type: EventType; audience: Audience }[]): this {
    assert.deepEqual(
      this.emitted.map((e) => `${e.type} → ${audienceText(e.audience)}`),
      expected.map((e) => `${e.type} → ${audienceText(e.audience)}`),
      'the events logged',
    );
    return this;
  }

  /** The one event of this type. */
  event<E extends EventType>(type: E): DomainEvent<E> {
    const found = this.events.filter((e) => e.type === type);
    assert.equal(found.length, 1, `expected one ${type} event, got ${found.length}: ${this.emitted.map((e) => e.type).join(', ')}`);
    return found[0] as DomainEvent<E>;
  }

  /** The signals of this type, in order. */
  signalsOf<S extends SignalType>(type: S): Extract<AnySignal, { type: S }>[] {
    return this.signals.filter((s): s is Extract<AnySignal, { type: S }> => s.type === type);
  }

  /**
   * Renders every event and signal through every profile's socket codec and validates each
   * frame's data against that profile's declared schema for the frame type. Throws one assertion
   * listing every problem (a frame type without a declared schema is one); returns the frames.
   */
  renderAll(): RenderedFrame[] {
    const frames: RenderedFrame[] = [];
    const problems: string[] = [];
    const sources: { source: string; render: (codec: ProfileCodec) => readonly string[] }[] = [
      ...this.events.map((e) => ({ source: e.type, render: (c: ProfileCodec) => c.event(e) })),
      ...this.signals.map((s) => ({ source: s.type, render: (c: ProfileCodec) => c.signal(s) })),
    ];
    for (const { profile, codec } of this.sockets) {
      for (const { source, render } of sources) {
        let texts: readonly string[];
        try {
          texts = render(codec);
        } catch (err) {
          problems.push(`${profile.name}: rendering ${source} threw ${(err as Error).stack ?? String(err)}`);
          continue;
        }
        for (const text of texts) {
          const { frame, problems: found } = frameProblems(profile, text);
          if (frame) frames.push({ profile: profile.name, source, ...frame });
          problems.push(...found.map((p) => `${profile.name}: ${source} → ${frame?.type ?? '?'}: ${p}`));
        }
      }
    }
    assert.deepEqual(problems, [], `frames that break their profile's declared schema:\n${problems.join('\n')}`);
    return frames;
  }

  /** The frame types one profile rendered, in order (renders and validates everything first). */
  frameTypes(profile: string): string[] {
    return this.renderAll()
      .filter((f) => f.profile === profile)
      .map((f) => f.type);
  }
}

/**
 * Runs `action` and captures what it emitted: the events logged after the seq before it (the
 * durable contract the gateway delivers, checked against what the bus published) and the signals
 * the bus carried meanwhile. Presence announcements and call endings run after the service call
 * returns; they are waited for.
 */
export async function verifyAction<T>(target: Target, action: () => Promise<T>, options: VerifyOptions = {}): Promise<Verified<T>> {
  const { core } = target;
  const sockets = socketsOf(target, options.profiles ?? registry);
  const published: DomainEvent[] = [];
  const signals: AnySignal[] = [];
  const before = await core.store.events.latestSeq();
  const unsubscribe = core.bus.subscribe({
    events: (events) => published.push(...events),
    signal: (signal) => signals.push(signal as AnySignal),
  });
  let result: T;
  try {
    result = await action();
    await core.presence.idle();
    await core.calls.idle();
  } finally {
    unsubscribe();
  }
  const rows = await core.store.db.selectFrom('events').selectAll().where('seq', '>', before).orderBy('seq').execute();
  const events = rows.map(
    (r): DomainEvent => ({
      seq: r.seq,
      type: r.type as EventType,
      audience: { kind: r.audience_kind, id: r.audience_id } as Audience,
      data: JSON.parse(r.payload) as DomainEvent['data'],
      at: r.created_at,
    }),
  );
  assert.deepEqual(
    published.map((e) => `${e.seq} ${e.type}`),
    events.map((e) => `${e.seq} ${e.type}`),
    'the bus published exactly the events logged, in seq order',
  );
  return new Verified(result, events, signals, sockets);
}
