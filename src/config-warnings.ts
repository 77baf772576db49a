import { knownVariables, type ConfigSources, type Env } from './config.ts';

/** Something in the configuration that is likely a mistake but stops nothing. */
export interface ConfigWarning {
  /** The name as the operator wrote it. */
  variable: string;
  /** The variable it probably meant. */
  suggestion?: string;
  message: string;
}

/**
 * Variables of other software that look like Parley's (a name or two letters away): never
 * reported. Kubernetes also sets PARLEY_SERVICE_HOST, PARLEY_PORT_8080_TCP… for a service
 * named parley, which are no one's typo.
 */
const othersVariables = new Set(['NODE_IP', 'NODE_NAME', 'NODE_ENV', 'NODE_PATH', 'NODE_OPTIONS', 'HOSTNAME', 'LOGNAME', 'OLDPWD', 'TMPDIR', 'AWS_REGION', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'TEST_DATABASE_URL', 'TEST_REDIS_URL']);
const othersPrefixes = /^(npm_|AWS_|OTEL_|GIT_|XDG_|LC_|SSH_|DOCKER_|KUBERNETES_|SYSTEMD_|TEST_)/;
const kubernetesService = /^PARLEY_(SERVICE_(HOST|PORT)(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/;
/** Read by the benchmark's measurement hooks preloaded into a server (bench/hooks/), not by Parley. */
const benchHooks = /^PARLEY_BENCH_/;

/** Typos are looked for among names at least this long: shorter ones match too much by chance. */
const minLength = 6;
const maxDistance = 2;

/**
 * What the operator probably got wrong in the environment and the PARLEY_CONFIG file: a
 * `PARLEY_` variable Parley does not have, a variable a letter or two away from one of Parley's
 * (`DATABSE_URL`, `UPLOAD_MAX_SZE`, `database_url`), and a key of the file that names no variable.
 */
export function configWarnings(sources: ConfigSources, environment: Env = process.env): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const name of Object.keys(environment).sort()) {
    if (knownVariables.has(name) || kubernetesService.test(name) || benchHooks.test(name)) continue;
    const parleys = name.startsWith('PARLEY_');
    const suggestion = parleys || !(othersVariables.has(name) || othersPrefixes.test(name)) ? nearestVariable(name) : undefined;
    if (!parleys && suggestion === undefined) continue;
    const message = `${name} is set but Parley has no such variable${suggestion ? `; did you mean ${suggestion}?` : ''}`;
    warnings.push({ variable: name, ...(suggestion && { suggestion }), message });
  }
  for (const key of sources.unknownFileKeys) {
    const suggestion = nearestVariable(key, 1);
    warnings.push({ variable: key, ...(suggestion && { suggestion }), message: `PARLEY_CONFIG: ${sources.file} has an unknown key ${key}, ignored${suggestion ? `; did you mean ${suggestion}?` : ''}` });
  }
  return warnings;
}

/** The known variable within a couple of edits of a name (compared in upper case), if one is. */
function nearestVariable(name: string, shortest = minLength): string | undefined {
  if (name.length < shortest) return undefined;
  const upper = name.toUpperCase();
  let best: { name: string; distance: number } | undefined;
  for (const known of knownVariables) {
    if (known.length < shortest) continue;
    const distance = editDistance(upper, known);
    if (distance <= maxDistance && (!best || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

/** Edits (insert, delete, replace, swap two neighbours) turning one text into the other; anything above two counts as three. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > maxDistance) return maxDistance + 1;
  // Three rolling rows of the optimal-string-alignment table: a swap looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    // Every later row is at least this row's smallest value.
    if (rowMin > maxDistance) return maxDistance + 1;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[b.length]!, maxDistance + 1);
}
