import type { Config } from './config.ts';
import type { RunningServer } from './main.ts';
import { gitSha, version } from './version.ts';

/** A Redis URL without its credentials: scheme, host, port and database. */
function redisShown(url: string | undefined): string {
  if (!url) return 'off';
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

function storageShown(config: Config): string {
  if (config.fileStorage === 'local') return `local:${config.filesDir}`;
  const { bucket, keyPrefix, endpoint } = config.s3;
  return `s3://${bucket ?? ''}/${keyPrefix}${endpoint ? ` at ${new URL(endpoint).host}` : ''}`;
}

/**
 * The one line a node logs once it listens: what runs (version, commit, node), on what (store,
 * Redis, file storage), for whom (registration, each profile's address) and where it is watched
 * (metrics). No secret: the store and Redis are shown without credentials.
 */
export function startupSummary(config: Config, server: Pick<RunningServer, 'core' | 'url' | 'listeners' | 'metricsUrl'>): Record<string, unknown> {
  const profiles: Record<string, string> = {};
  for (const l of server.listeners) for (const m of l.mounts) profiles[m.profile] = `${l.url}${m.path}/`;
  return {
    version,
    commit: gitSha,
    node: server.core.nodeId,
    url: server.url,
    store: server.core.database.description,
    redis: redisShown(config.redisUrl),
    storage: storageShown(config),
    registration: config.registration,
    profiles,
    metrics: server.metricsUrl ?? 'off',
  };
}
