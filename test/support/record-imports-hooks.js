import { writeSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) writeSync(2, `loaded ${url}\n`);
  return nextLoad(url, context);
}
