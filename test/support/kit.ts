import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import { closed } from '../../src/profiles/kit/fields.ts';
import { mountedSocket, type Profile } from '../../src/profiles/kit/profile.ts';
import { contractProblems } from './contract.ts';
import type { Services } from '../../src/profiles/kit/services.ts';
import type { ProfileCodec } from '../../src/realtime/codec.ts';
import { systemClock } from '../../src/services/clock.ts';
import { UserService } from '../../src/services/users.ts';

/**
 * A profile's socket codec without a server, for frame tests: its encoders see a user service
 * whose presence says everyone is online (the views encoders need use nothing else).
 */
export function codecOf(profile: Profile, opts: { publicUrl?: string; mount?: string; online?: boolean } = {}): ProfileCodec {
  const users = new UserService(null as never, null as never, { isOnline: () => opts.online ?? true }, systemClock);
  const socket = mountedSocket(profile, opts.mount ?? '', { users } as unknown as Services, opts.publicUrl);
  if (!socket) throw new Error(`${profile.name} has no socket`);
  return socket.codec;
}

/** The one frame a codec renders for an event or signal, parsed (null when it renders none). */
export function only(frames: readonly string[]): any {
  if (frames.length > 1) throw new Error(`expected at most one frame, got ${frames.length}`);
  return frames.length === 0 ? null : JSON.parse(frames[0]!);
}

/**
 * A profile's answer checked against its envelope: the success body against the envelope's
 * schema around `data` (closed, so a leaked field fails), an error body against its error schema
 * with the status and the document's code. Each profile's suite asserts its shapes through these.
 */
export function envelopeOf(profile: Profile) {
  const { envelope } = profile;
  return {
    ok(res: { status: number; body: unknown }, data: TSchema, status = 200): void {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.deepEqual(contractProblems(closed(envelope.successSchema(data)), res.body), [], JSON.stringify(res.body));
    },
    error(res: { status: number; body: unknown }, status: number, code: number | string): void {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.deepEqual(contractProblems(envelope.errorSchema, res.body), [], JSON.stringify(res.body));
      const parts = JSON.stringify(res.body);
      assert.ok(parts.includes(JSON.stringify(code)), `code ${String(code)} in ${parts}`);
    },
  };
}
