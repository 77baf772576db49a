import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run fuzz -- [--runs N] [--seed S] [--only TEXT] [--survey]`: the fuzz tests of
 * test/fuzz/ with more runs than CI gives them (runs per HTTP route; the sockets get four times
 * as many frame sequences), another seed, only the properties whose name contains TEXT, or every
 * failure gathered by class instead of stopping at the first (survey).
 */

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
    survey: { type: 'boolean', default: false },
  },
});

const env: NodeJS.ProcessEnv = { ...process.env };
if (values.runs !== undefined) {
  if (!/^[1-9][0-9]*$/.test(values.runs)) throw new Error(`--runs takes a positive integer, not ${values.runs}`);
  env.FUZZ_RUNS = values.runs;
}
if (values.seed !== undefined) {
  if (!/^-?[0-9]+$/.test(values.seed)) throw new Error(`--seed takes an integer, not ${values.seed}`);
  env.FUZZ_SEED = values.seed;
}
if (values.only !== undefined) env.FUZZ_ONLY = values.only;
if (values.survey) env.FUZZ_SURVEY = '1';

const dir = path.dirname(new URL(import.meta.url).pathname);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join(dir, f));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
