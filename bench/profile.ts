/**
 * Summarises a V8 CPU profile written by `npm run bench -- … --cpu-prof`:
 *
 *   node --import tsx bench/profile.ts <file.cpuprofile> [--from <ms>] [--to <ms>] [--top 30]
 *
 * --from/--to cut it to a window in milliseconds of the monotonic clock (the harness's JSON gives
 * a run's window); without them the whole profile counts (e.g. the connection storm of `idle`).
 */
import { parseArgs } from 'node:util';
import { formatProfile, summarizeProfile } from './lib/profile.ts';

const { values, positionals } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '30' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [--from ms] [--to ms] [--top N]');
  process.exit(2);
}
const window = values.from !== undefined || values.to !== undefined ? { fromMs: Number(values.from ?? -Infinity), toMs: Number(values.to ?? Infinity) } : undefined;
for (const file of positionals) console.log(formatProfile(summarizeProfile(file, window, Number(values.top)), Number(values.top)));
