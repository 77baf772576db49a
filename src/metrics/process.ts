import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * CPU, memory, heap, event-loop lag, GC and handles of this process, under the names Node.js
 * dashboards already know (`process_*`, `nodejs_*`). One registry per process, made on first use:
 * two nodes in one process (tests) are one process, and each collection of these installs an
 * event-loop monitor and a GC observer that are never removed.
 */
export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
