import type { Profile } from './kit/profile.ts';
import { zhihang } from './zhihang/index.ts';

/** Every API profile Parley can serve; PROFILES picks which, and where. */
export const profiles: readonly Profile[] = [zhihang];
