import type { Profile } from './kit/profile.ts';
import { chat8 } from './chat8/index.ts';
import { flutter } from './flutter/index.ts';
import { lite } from './lite/index.ts';
import { xiaoxiang } from './xiaoxiang/index.ts';
import { zhihang } from './zhihang/index.ts';

/** Every API profile Parley can serve; PROFILES picks which, and where. */
export const profiles: readonly Profile[] = [zhihang, chat8, lite, flutter, xiaoxiang];
