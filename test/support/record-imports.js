// Preloaded with `--import` by tests that ask which modules a command loads: each module's URL
// goes to stderr as `loaded <url>`. Loader hooks see every ES module a process imports on every
// Node version, which NODE_DEBUG's wording does not promise.
import { register } from 'node:module';

register('./record-imports-hooks.js', import.meta.url);
