// A measurement hook preloaded into the server under test by `npm run bench -- … --count-sql`
// (node --import): counts and times every SQLite statement the server runs, so a report can say
// how many statements (and which) one send costs, and how long COMMIT (the fsync) takes. It
// touches nothing in src/: it wraps better-sqlite3's Statement methods from outside.
//
// SIGUSR2 writes the counts since the last signal to PARLEY_BENCH_SQL_FILE (one JSON line) and
// starts counting afresh; the harness signals at the start and at the end of its measured window.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const probe = new Database(':memory:');
const Statement = Object.getPrototypeOf(probe.prepare('select 1'));
probe.close();

let counts = new Map();
let since = performance.now();

for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = Statement[method];
  Statement[method] = function (...args) {
    const t = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const sql = this.source;
      const c = counts.get(sql) ?? { calls: 0, ms: 0 };
      c.calls++;
      c.ms += performance.now() - t;
      counts.set(sql, c);
    }
  };
}

const file = process.env.PARLEY_BENCH_SQL_FILE;
process.on('SIGUSR2', () => {
  const at = performance.now();
  const statements = [...counts].map(([sql, c]) => ({ sql, calls: c.calls, ms: Math.round(c.ms * 1000) / 1000 })).sort((a, b) => b.ms - a.ms);
  if (file) appendFileSync(file, `${JSON.stringify({ seconds: (at - since) / 1000, statements })}\n`);
  counts = new Map();
  since = at;
});
