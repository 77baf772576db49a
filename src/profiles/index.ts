import type { MountedProfile } from '../http/server.ts';
import { zhihang } from './zhihang/index.ts';

export const profiles = [zhihang];

export function defaultMounts(): MountedProfile[] {
  return profiles.map((profile) => ({ profile, mount: profile.defaultMount }));
}
