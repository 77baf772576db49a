import type { MountedProfile } from '../../src/http/mounts.ts';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import type { SocketDef } from '../../src/profiles/kit/socket.ts';
import type { ProfileCodec } from '../../src/realtime/codec.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';

/** How many times the probe encoded a durable event (to check encoding once per event). */
export const probeStats = { encoded: 0 };

/** zhihang's socket with its codec changed by `change`, as a profile named `name`. */
export function socketVariant(name: string, change: (codec: ProfileCodec) => Partial<ProfileCodec>): Profile {
  const base = zhihang.socket!;
  const socket: SocketDef = {
    path: base.path,
    frames: base.frames,
    commands: base.commands,
    readFrame: (text) => base.readFrame(text),
    endpoint(profile, mount, deps) {
      const endpoint = base.endpoint(profile, mount, deps);
      return { ...endpoint, codec: { ...endpoint.codec, ...change(endpoint.codec) } };
    },
  };
  return { ...zhihang, name, routes: zhihang.routes.filter((r) => r.path === base.path), socket };
}

/**
 * A test profile at /probe whose socket shows every durable event as it is
 * (`{"type", "seq", "audience", "data"}`) and otherwise speaks zhihang. It lets the gateway's
 * routing be tested for events no real profile encodes yet, and puts a second profile on the
 * gateway (one encoding per profile).
 */
export const probe = socketVariant('probe', () => ({
  event: (e) => {
    probeStats.encoded++;
    return [JSON.stringify({ type: e.type, seq: e.seq, audience: e.audience, data: e.data })];
  },
}));

export function mountsWithProbe(): MountedProfile[] {
  return [
    { profile: zhihang, mount: '' },
    { profile: probe, mount: '/probe' },
  ];
}
