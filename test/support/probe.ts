import type { Profile } from '../../src/http/profile.ts';
import type { MountedProfile } from '../../src/http/server.ts';
import { defaultMounts } from '../../src/profiles/index.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { zhihangSocket } from '../../src/profiles/zhihang/ws/index.ts';

/**
 * A test profile at /probe whose socket shows every durable event as it is
 * (`{"type", "seq", "audience", "data"}`) and otherwise speaks zhihang. It lets the gateway's
 * routing be tested for events no real profile encodes yet (conversation and member events), and
 * puts a second profile on the gateway (one encoding per profile).
 */
/** How many times the probe encoded a durable event (to check encoding once per event). */
export const probeStats = { encoded: 0 };

export const probe: Profile = {
  ...zhihang,
  name: 'probe',
  defaultMount: '/probe',
  async routes() {},
  socket: (core, mount) => ({
    ...zhihangSocket(core, mount),
    name: 'probe',
    event: (e) => {
      probeStats.encoded++;
      return JSON.stringify({ type: e.type, seq: e.seq, audience: e.audience, data: e.data });
    },
  }),
};

export function mountsWithProbe(): MountedProfile[] {
  return [...defaultMounts(), { profile: probe, mount: '/probe' }];
}
