import type { Profile } from '../../src/profiles/kit/profile.ts';
import { fileLinks } from '../../src/profiles/kit/links.ts';
import type { Services } from '../../src/profiles/kit/services.ts';
import type { ProfileCodec } from '../../src/realtime/codec.ts';
import { systemClock } from '../../src/services/clock.ts';
import { UserService } from '../../src/services/users.ts';

/**
 * A profile's socket codec without a server, for frame tests: its encoders see a user service
 * whose presence says everyone is online (the views encoders need use nothing else).
 */
export function codecOf(profile: Profile, opts: { publicUrl?: string; mount?: string; online?: boolean } = {}): ProfileCodec {
  if (!profile.socket) throw new Error(`${profile.name} has no socket`);
  const mount = opts.mount ?? '';
  const users = new UserService(null as never, null as never, { isOnline: () => opts.online ?? true }, systemClock);
  const services = { users } as unknown as Services;
  const links = fileLinks(opts.publicUrl ?? '', `${mount}${profile.filesPath}`);
  return profile.socket.endpoint(profile.name, mount, { services, links, errors: profile.errors }).codec;
}

/** The one frame a codec renders for an event or signal, parsed (null when it renders none). */
export function only(frames: readonly string[]): any {
  if (frames.length > 1) throw new Error(`expected at most one frame, got ${frames.length}`);
  return frames.length === 0 ? null : JSON.parse(frames[0]!);
}
