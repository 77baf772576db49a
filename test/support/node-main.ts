// A Parley node for multi-process tests: `parley serve` with the probe profile mounted (every
// durable event raw at /probe/ws), configured from the environment like the real one.
import { loadConfig } from '../../src/config.ts';
import { serve } from '../../src/main.ts';
import { mountsWithProbe } from './probe.ts';

await serve(loadConfig(), { mounts: mountsWithProbe() });
