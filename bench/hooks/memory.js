// A measurement hook preloaded into the server under test by the `idle` scenario (node --import,
// with --expose-gc): on SIGWINCH it runs two full garbage collections and appends the process's
// memory figures to PARLEY_BENCH_MEM_FILE as one JSON line. RSS read right after a connection
// storm holds the storm's garbage (and the setup's); after a full collection it is what the
// connections keep. Nothing in src/ changes: the hook only listens for a signal.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const file = process.env.PARLEY_BENCH_MEM_FILE;
const collect = () => {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
};
process.on('SIGWINCH', () => {
  const before = process.memoryUsage();
  collect();
  // V8 sweeps and gives pages back to the system concurrently: collect again a moment later, so
  // the reading does not depend on how far that got.
  setTimeout(() => {
    collect();
    const after = process.memoryUsage();
    if (file) appendFileSync(file, `${JSON.stringify({ before, after, gc: typeof globalThis.gc === 'function' })}\n`);
  }, 1000);
});
