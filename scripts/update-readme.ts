// Rewrites the README's configuration table from the settings declarations in src/config.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationTable } from '../src/config.ts';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const updated = readme.replace(
  /(<!-- config-table:start -->\n)[\s\S]*?(\n<!-- config-table:end -->)/,
  (_m, start: string, end: string) => `${start}${configurationTable()}${end}`,
);
writeFileSync(file, updated);
console.log(updated === readme ? 'README.md already up to date' : 'README.md configuration table updated');
