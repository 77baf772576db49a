import { existsSync, readFileSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactUrl } from './redaction.ts';

/**
 * Configuration comes from environment variables, optionally preceded by a JSON file named by
 * PARLEY_CONFIG whose keys are the same variable names. Every variable is declared once in
 * `settings` below: that table drives parsing, validation messages and the README table.
 */

export type RateClass = 'auth' | 'send' | 'upload' | 'query';
export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  databasePoolSize: number;
  /** How long a start retries a database that does not answer, in ms. */
  databaseConnectTimeoutMs: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Bytes of the SQLite file read through a memory map (0: none). */
  sqliteMmapSize: number;
  filesDir: string;
  publicUrl: string | undefined;
  /** Largest uploaded file, in bytes. */
  uploadMaxSize: number;
  /** How long after sending a sender may recall a message, in ms. */
  recallWindow: number;
  /** How often the timers (scheduled sends, self-destruct) poll the database, in ms. */
  timerInterval: number;
  jwtSecret: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  argon2: { memoryKib: number; timeCost: number; parallelism: number };
  registration: 'open' | 'code' | 'closed';
  codeSender: 'log' | 'webhook';
  codeWebhookUrl: string | undefined;
  codeWebhookSecret: string | undefined;
  codeTtl: number;
  codeMaxAttempts: number;
  codeResendInterval: number;
  rateLimits: Record<RateClass, RateRule | null>;
  /** Failed logins per account (whatever the address) before further attempts are refused. */
  loginFailureLimit: RateRule | null;
  corsOrigins: string[] | '*';
  bodyLimit: number;
  trustProxy: TrustProxy;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeout: number;
  ws: {
    heartbeatMs: number;
    maxFrameBytes: number;
    bufferLimitBytes: number;
    maxConnectionsPerUser: number;
    frameRate: RateRule | null;
  };
  eventRetentionMs: number;
  callRingTimeoutMs: number;
  ice: IceConfig;
  /** OAuth sign-in providers the operator configured (client id and secret set). */
  oauth: OAuthConfig;
  /** Redis shared by the nodes of a cluster; unset for a single node. */
  redisUrl: string | undefined;
  /** Put in front of every Redis key and channel. */
  redisPrefix: string;
  /** This node's name among the nodes sharing Redis (unique per running process). */
  nodeId: string;
  /** Which API profiles are served, and where. */
  profiles: ProfileMount[];
  /** Client compatibility modes switched on, by profile (ZHIHANG_COMPAT for zhihang). */
  compat: Record<string, readonly string[]>;
  /** How long a node may go without a heartbeat before the other nodes count it dead, in ms. */
  nodeTimeoutMs: number;
  fileStorage: 'local' | 's3';
  s3: S3Config;
  /** Prometheus metrics: served at /metrics on the main listener, or on a port of their own. */
  metrics: { enabled: boolean; port: number | null };
  /** Parley Web (the chat client and the admin console) under /app of the main port; dir: the built files. */
  webApp: { enabled: boolean; dir: string };
}

/**
 * Which peers may tell the client's address (X-Forwarded-For) and scheme: none, all, the proxies
 * at these addresses or networks, or the given number of hops nearest to the node.
 */
export type TrustProxy = boolean | { hops: number } | { addresses: string[] };

export interface S3Config {
  /** Unset: AWS itself (from the region). */
  endpoint: string | undefined;
  bucket: string | undefined;
  region: string;
  /** Both unset: the SDK's default credential chain (AWS_* variables, instance role, ...). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key` (MinIO and most self-hosted stores). */
  forcePathStyle: boolean;
  /** Put in front of every object key, to share a bucket. */
  keyPrefix: string;
}

export interface IceConfig {
  /** STUN (or credential-free TURN) URLs handed out as they are. */
  iceServers: string[];
  turnUrls: string[];
  /** Shared secret of the TURN server (coturn `static-auth-secret`): credentials are minted per user. */
  turnSecret: string | undefined;
  /** Lifetime of minted credentials, in seconds. */
  turnTtl: number;
  /** Fixed long-term credentials, used only when no secret is configured. */
  turnUsername: string | undefined;
  turnPassword: string | undefined;
}

/** One OAuth provider as configured. */
export interface OAuthProviderConfig {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs a client may name; empty: whichever it names (the provider checks it). */
  redirectUris: string[];
  /** google: the OpenID issuer whose published metadata gives the endpoints; github: the site serving /login/oauth/access_token. */
  issuer: string;
  /** github: the REST API serving /user and /user/emails. */
  apiUrl?: string;
}

export interface OAuthConfig {
  google?: OAuthProviderConfig;
  github?: OAuthProviderConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  env: string;
  description: string;
  /** Shown in the README; `undefined` means "not set". */
  defaultText: string;
  allowed: string;
  parse(raw: string): T | undefined;
  /** A key, password or secret: a rejected value is never printed, only its length. */
  secret?: true;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

function integer(min: number, max: number) {
  return (raw: string) => {
    if (!/^-?\d+$/.test(raw.trim())) return undefined;
    const n = Number(raw);
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  };
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
/** Parses "90", "90s", "5m", "1h", "30d" (bare numbers are seconds) into milliseconds. */
export function parseDuration(raw: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|min|m|h|d)?\s*$/.exec(raw);
  if (!m) return undefined;
  return Number(m[1]) * durationUnits[m[2] ?? 's']!;
}

function duration(minMs: number, maxMs: number) {
  return (raw: string) => {
    const ms = parseDuration(raw);
    return ms !== undefined && ms >= minMs && ms <= maxMs ? ms : undefined;
  };
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };
/** Parses "1048576", "512kb", "10mb", "2GiB" into bytes. */
export function parseSize(raw: string): number | undefined {
  const m = /^\s*(\d+)\s*([a-z]+)?\s*$/i.exec(raw);
  if (!m) return undefined;
  const unit = sizeUnits[(m[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

function size(min: number, max: number) {
  return (raw: string) => {
    const n = parseSize(raw);
    return n !== undefined && n >= min && n <= max ? n : undefined;
  };
}

function oneOf<T extends string>(...values: T[]) {
  return (raw: string) => (values as string[]).includes(raw) ? (raw as T) : undefined;
}

function boolean(raw: string): boolean | undefined {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  return undefined;
}

/** An IPv4/IPv6 address, optionally with a /prefix length (or an IPv4 netmask), as proxy-addr reads them. */
function addressOrRange(raw: string): boolean {
  const [address, range, ...rest] = raw.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (version === 4 ? 32 : 128);
  return version === 4 && isIPv4(range);
}

/** The names proxy-addr knows for well-known ranges. */
const addressRangeNames = ['loopback', 'linklocal', 'uniquelocal'];

/** true/false, a hop count, or a comma-separated list of proxy addresses, networks or range names. */
function trustProxy(raw: string): TrustProxy | undefined {
  const flag = boolean(raw);
  if (flag !== undefined && !/^\d+$/.test(raw.trim())) return flag;
  if (/^\s*\d{1,2}\s*$/.test(raw)) {
    const hops = Number(raw);
    return hops === 0 ? false : { hops };
  }
  const addresses = raw.split(',').map((a) => a.trim()).filter(Boolean);
  return addresses.length > 0 && addresses.every((a) => addressRangeNames.includes(a) || addressOrRange(a)) ? { addresses } : undefined;
}

function httpUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** "5/min", "100/1m", "10/30s" or "off". */
export function parseRateRule(raw: string): RateRule | null | undefined {
  if (/^(off|none|0)$/i.test(raw.trim())) return null;
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*(ms|s|min|m|h|d)\s*$/.exec(raw);
  if (!m) return undefined;
  const limit = Number(m[1]);
  const windowMs = (m[2] ? Number(m[2]) : 1) * durationUnits[m[3]!]!;
  return limit > 0 && windowMs > 0 ? { limit, windowMs } : undefined;
}

/** Comma-separated URIs of any scheme (apps register app://callback). */
function uriList(raw: string): string[] | undefined {
  const list = raw.split(',').map((u) => u.trim()).filter(Boolean);
  return list.length > 0 && list.every((u) => /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(u)) ? list : undefined;
}

function text(minLength = 1, maxLength = 4096) {
  return (raw: string) => (raw.length >= minLength && raw.length <= maxLength ? raw : undefined);
}

function iceUrls(schemes: RegExp) {
  return (raw: string): string[] | undefined => {
    if (/^\s*none\s*$/i.test(raw)) return [];
    const list = raw.split(',').map((u) => u.trim()).filter(Boolean);
    return list.length > 0 && list.every((u) => schemes.test(u) && !/\s/.test(u)) ? list : undefined;
  };
}

function redisUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '' ? raw : undefined;
  } catch {
    return undefined;
  }
}

function pattern(re: RegExp) {
  return (raw: string) => (re.test(raw) ? raw : undefined);
}

// dist/web of the install, from src/ (run through tsx) or dist/src/ (compiled).
const installRoot = new URL(existsSync(new URL('../package.json', import.meta.url)) ? '../' : '../../', import.meta.url);
const builtWebApp = fileURLToPath(new URL('dist/web', installRoot));

const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

/** `<host>-<pid>`: unique among processes, and readable in logs. */
function defaultNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48) || 'node';
  return `${host}-${process.pid}`;
}

function databaseUrl(raw: string): string | undefined {
  if (/^postgres(ql)?:\/\//.test(raw)) return httpLikeUrlOk(raw) ? raw : undefined;
  if (/^(sqlite|file):/.test(raw) && raw.replace(/^(sqlite|file):(\/\/)?/, '').length > 0) return raw;
  return undefined;
}

function httpLikeUrlOk(raw: string): boolean {
  try {
    new URL(raw);
    return true;
  } catch {
    return false;
  }
}

function origins(raw: string): string[] | '*' | undefined {
  if (raw.trim() === '*') return '*';
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 && list.every((o) => httpUrl(o) !== undefined) ? list.map((o) => o.replace(/\/+$/, '')) : undefined;
}

/** One API profile and where it is served: below a path of the main port, or at its own port. */
export interface ProfileMount {
  profile: string;
  /** Path prefix ('' for the root). */
  path: string;
  /** Its own port, or null for the main listener (HOST:PORT). */
  port: number | null;
}

/**
 * The profiles served unless PROFILES says otherwise: each document at its documented place (a
 * test keeps this in step with the registry in src/profiles/index.ts).
 */
export const defaultProfiles = 'zhihang@/,chat8@/,lite@/lite,flutter@/flutter,xiaoxiang@/xiaoxiang';

const mountPattern = /^([a-z][a-z0-9_-]{0,31})@(?::(\d{1,5}))?(\/[A-Za-z0-9._~/-]*)?$/;

function profileMounts(raw: string): ProfileMount[] | undefined {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const mounts: ProfileMount[] = [];
  for (const item of items) {
    const m = mountPattern.exec(item);
    if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
    const port = m[2] === undefined ? null : Number(m[2]);
    if (port !== null && (port < 1 || port > 65535)) return undefined;
    const path = (m[3] ?? '').replace(/\/+$/, '');
    if (path.includes('//')) return undefined;
    mounts.push({ profile: m[1]!, path, port });
  }
  const names = mounts.map((x) => x.profile);
  return mounts.length > 0 && new Set(names).size === names.length ? mounts : undefined;
}

export const settings = {
  host: setting({ env: 'HOST', description: 'Interface to listen on', defaultText: '0.0.0.0', allowed: 'a host name or IP address', parse: text(1, 255) }),
  port: setting({ env: 'PORT', description: 'TCP port to listen on', defaultText: '8080', allowed: 'an integer from 0 to 65535', parse: integer(0, 65535) }),
  dataDir: setting({ env: 'DATA_DIR', description: 'Directory for the embedded database and files', defaultText: './data', allowed: 'a directory path', parse: text() }),
  databaseUrl: setting({ env: 'DATABASE_URL', description: 'Database: SQLite file or PostgreSQL server', defaultText: 'sqlite:<DATA_DIR>/parley.db', allowed: 'sqlite:<path> or postgres://user@host:port/db', parse: databaseUrl }),
  databasePoolSize: setting({ env: 'DATABASE_POOL_SIZE', description: 'PostgreSQL connections per node', defaultText: '10', allowed: 'an integer from 1 to 200', parse: integer(1, 200) }),
  databaseConnectTimeout: setting({ env: 'DATABASE_CONNECT_TIMEOUT', description: 'How long a start (of the server or a command) retries a database that does not answer, backing off, before giving up', defaultText: '10s', allowed: 'a duration from 0s to 10m', parse: duration(0, 600_000) }),
  sqliteSynchronous: setting({ env: 'SQLITE_SYNCHRONOUS', description: 'SQLite durability: FULL survives power loss, NORMAL only process crashes', defaultText: 'FULL', allowed: 'FULL or NORMAL', parse: oneOf('FULL', 'NORMAL') }),
  sqliteMmapSize: setting({ env: 'SQLITE_MMAP_SIZE', description: 'How much of the SQLite file is read through a memory map rather than copied in by system calls (searches reading many messages gain a third); its pages count in the process\'s resident memory as the OS caches them; 0 turns it off', defaultText: '256mb', allowed: 'a size from 0 to 64gb', parse: size(0, 64 * 1024 ** 3) }),
  filesDir: setting({ env: 'FILES_DIR', description: 'Directory for uploaded files (local storage)', defaultText: '<DATA_DIR>/files', allowed: 'a directory path', parse: text() }),
  publicUrl: setting({ env: 'PUBLIC_URL', description: 'External base URL used in links (file URLs); derived from the request when unset', defaultText: '(unset)', allowed: 'an http(s) URL', parse: httpUrl }),
  uploadMaxSize: setting({ env: 'UPLOAD_MAX_SIZE', description: 'Largest uploaded file (larger uploads are refused with 30003)', defaultText: '100mb', allowed: 'a size from 1kb to 64gb', parse: size(1024, 64 * 1024 ** 3) }),
  recallWindow: setting({ env: 'RECALL_WINDOW', description: 'How long after sending a sender may recall a message', defaultText: '2m', allowed: 'a duration from 0s to 7d', parse: duration(0, 7 * 86_400_000) }),
  timerInterval: setting({ env: 'TIMER_INTERVAL', description: 'How often each node looks for due scheduled messages and expired self-destructing ones', defaultText: '1s', allowed: 'a duration from 10ms to 1m', parse: duration(10, 60_000) }),
  jwtSecret: setting({ env: 'JWT_SECRET', description: 'Key that signs access tokens; generated and stored in the database when unset', defaultText: '(generated)', allowed: 'at least 32 characters', parse: text(32, 4096), secret: true }),
  accessTokenTtl: setting({ env: 'ACCESS_TOKEN_TTL', description: 'Lifetime of an access token', defaultText: '1h', allowed: 'a duration from 10s to 7d (e.g. 900, 15m, 1h)', parse: duration(10_000, 7 * 86_400_000) }),
  refreshTokenTtl: setting({ env: 'REFRESH_TOKEN_TTL', description: 'Lifetime of a login session (refresh token family)', defaultText: '30d', allowed: 'a duration from 1m to 365d', parse: duration(60_000, 365 * 86_400_000) }),
  argon2MemoryKib: setting({ env: 'ARGON2_MEMORY_KIB', description: 'argon2id memory cost per password hash', defaultText: '19456', allowed: 'an integer from 1024 to 4194304', parse: integer(1024, 4_194_304) }),
  argon2TimeCost: setting({ env: 'ARGON2_TIME_COST', description: 'argon2id iterations', defaultText: '2', allowed: 'an integer from 1 to 20', parse: integer(1, 20) }),
  argon2Parallelism: setting({ env: 'ARGON2_PARALLELISM', description: 'argon2id lanes', defaultText: '1', allowed: 'an integer from 1 to 16', parse: integer(1, 16) }),
  registration: setting({ env: 'REGISTRATION', description: 'Who may register: anyone, only with a verified phone code, or nobody (operators add users with `parley user add`)', defaultText: 'open', allowed: 'open, code or closed', parse: oneOf('open', 'code', 'closed') }),
  codeSender: setting({ env: 'CODE_SENDER', description: 'How verification codes reach users: written to the server log, or POSTed to CODE_WEBHOOK_URL', defaultText: 'log', allowed: 'log or webhook', parse: oneOf('log', 'webhook') }),
  codeWebhookUrl: setting({ env: 'CODE_WEBHOOK_URL', description: 'Webhook receiving {channel, target, code, expires_in} for the webhook sender', defaultText: '(unset)', allowed: 'an http(s) URL', parse: httpUrl }),
  codeWebhookSecret: setting({ env: 'CODE_WEBHOOK_SECRET', description: 'When set, webhook calls carry X-Parley-Signature: sha256=<HMAC of the body>', defaultText: '(unset)', allowed: 'at least 16 characters', parse: text(16), secret: true }),
  codeTtl: setting({ env: 'CODE_TTL', description: 'Validity of a verification code', defaultText: '5m', allowed: 'a duration from 30s to 1h', parse: duration(30_000, 3_600_000) }),
  codeMaxAttempts: setting({ env: 'CODE_MAX_ATTEMPTS', description: 'Wrong tries before a code is void', defaultText: '5', allowed: 'an integer from 1 to 20', parse: integer(1, 20) }),
  codeResendInterval: setting({ env: 'CODE_RESEND_INTERVAL', description: 'Minimum time between two codes to one phone', defaultText: '60s', allowed: 'a duration from 0s to 1h', parse: duration(0, 3_600_000) }),
  rateLimitAuth: setting({ env: 'RATE_LIMIT_AUTH', description: 'Auth requests (register, login, code, refresh, logout) per client address', defaultText: '5/min', allowed: '<count>/<window> such as 5/min, 100/10s, or off', parse: parseRateRule }),
  rateLimitSend: setting({ env: 'RATE_LIMIT_SEND', description: 'Message sends per user', defaultText: '100/min', allowed: '<count>/<window> or off', parse: parseRateRule }),
  rateLimitUpload: setting({ env: 'RATE_LIMIT_UPLOAD', description: 'File uploads per user', defaultText: '10/min', allowed: '<count>/<window> or off', parse: parseRateRule }),
  rateLimitQuery: setting({ env: 'RATE_LIMIT_QUERY', description: 'Other API requests per user (or address when anonymous)', defaultText: '1000/min', allowed: '<count>/<window> or off', parse: parseRateRule }),
  rateLimitLoginFailures: setting({
    env: 'RATE_LIMIT_LOGIN_FAILURES',
    description: 'Failed logins (wrong password or code) per account, from any address; beyond: 429 for that account until the window ends. Successful logins do not count',
    defaultText: '10/15m',
    allowed: '<count>/<window> or off',
    parse: parseRateRule,
  }),
  profiles: setting({
    env: 'PROFILES',
    description: 'API profiles to serve and where: <profile>@/<path> below the main port, or <profile>@:<port> at the root of a port of its own',
    defaultText: defaultProfiles,
    allowed: 'a comma-separated list of <profile>@/<path> or <profile>@:<port>[/<path>], each profile once (profiles: zhihang, chat8, lite, flutter, xiaoxiang)',
    parse: profileMounts,
  }),
  zhihangCompat: setting({
    env: 'ZHIHANG_COMPAT',
    description: 'Client compatibility of the zhihang socket: im-suite also sends each new message as {"type": "message", "data": <message>}, the frame the im-suite web client reads (see "Using the im-suite web client")',
    defaultText: 'off',
    allowed: 'im-suite or off',
    parse: oneOf('im-suite', 'off'),
  }),
  corsOrigins: setting({ env: 'CORS_ORIGINS', description: 'Origins allowed by CORS (tokens travel in headers, never cookies)', defaultText: '*', allowed: '* or a comma-separated list of http(s) origins', parse: origins }),
  bodyLimit: setting({ env: 'BODY_LIMIT', description: 'Largest JSON request body', defaultText: '1mb', allowed: 'a size from 1kb to 64mb', parse: size(1024, 64 * 1024 ** 2) }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    description:
      'Whose X-Forwarded-For/-Proto to believe (client addresses feed the per-address rate limits): nobody, the proxies at these addresses (safest), the nearest <n> hops (only when the nodes cannot be reached but through the proxy), or anybody',
    defaultText: 'false',
    allowed: 'false, a comma-separated list of addresses or CIDRs (also loopback, linklocal, uniquelocal), a hop count from 1 to 99, or true',
    parse: trustProxy,
  }),
  logLevel: setting({ env: 'LOG_LEVEL', description: 'Log verbosity', defaultText: 'info', allowed: 'fatal, error, warn, info, debug, trace or silent', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') }),
  shutdownTimeout: setting({ env: 'SHUTDOWN_TIMEOUT', description: 'Grace period for in-flight requests on SIGTERM/SIGINT', defaultText: '10s', allowed: 'a duration from 0s to 10m', parse: duration(0, 600_000) }),
  wsHeartbeat: setting({ env: 'WS_HEARTBEAT', description: 'WebSocket ping interval; a peer that misses one ping is dropped at the next', defaultText: '30s', allowed: 'a duration from 100ms to 10m', parse: duration(100, 600_000) }),
  wsMaxFrame: setting({ env: 'WS_MAX_FRAME', description: 'Largest WebSocket frame a client may send (larger: an error frame; over four times as large, or 16mb: closed with 1009)', defaultText: '128kb', allowed: 'a size from 1kb to 16mb', parse: size(1024, 16 * 1024 ** 2) }),
  wsBufferLimit: setting({ env: 'WS_BUFFER_LIMIT', description: 'Outgoing bytes queued for one connection before it is closed as too slow (4408: reconnect and resume)', defaultText: '1mb', allowed: 'a size from 1kb to 256mb', parse: size(1024, 256 * 1024 ** 2) }),
  wsMaxConnections: setting({ env: 'WS_MAX_CONNECTIONS_PER_USER', description: 'Open WebSocket connections one user may have (on all nodes together when REDIS_URL is set; more: refused with 429)', defaultText: '16', allowed: 'an integer from 1 to 1000', parse: integer(1, 1000) }),
  wsRateLimit: setting({ env: 'WS_RATE_LIMIT', description: 'Frames one connection may send (beyond: an error frame per dropped frame)', defaultText: '120/10s', allowed: '<count>/<window> or off', parse: parseRateRule }),
  eventRetention: setting({ env: 'EVENT_RETENTION', description: 'How long the event log keeps events for resume and sync; older resumes are told to refetch', defaultText: '7d', allowed: 'a duration from 1m to 3650d', parse: duration(60_000, 3650 * 86_400_000) }),
  callRingTimeout: setting({ env: 'CALL_RING_TIMEOUT', description: 'How long a call rings before it ends unanswered', defaultText: '60s', allowed: 'a duration from 100ms to 10m', parse: duration(100, 600_000) }),
  iceServers: setting({ env: 'ICE_SERVERS', description: 'STUN (or credential-free TURN) URLs given to callers', defaultText: 'stun:stun.l.google.com:19302', allowed: 'comma-separated stun:/stuns:/turn:/turns: URLs, or none', parse: iceUrls(/^(stuns?|turns?):/) }),
  turnUrls: setting({ env: 'TURN_URLS', description: 'TURN server URLs given to callers with credentials', defaultText: '(none)', allowed: 'comma-separated turn:/turns: URLs', parse: iceUrls(/^turns?:/) }),
  turnSecret: setting({ env: 'TURN_SECRET', description: 'Shared secret of the TURN server (coturn static-auth-secret): per-user credentials are minted with it', defaultText: '(unset)', allowed: 'at least 16 characters', parse: text(16), secret: true }),
  turnTtl: setting({ env: 'TURN_TTL', description: 'Validity of minted TURN credentials', defaultText: '1d', allowed: 'a duration from 1m to 7d', parse: duration(60_000, 7 * 86_400_000) }),
  turnUsername: setting({ env: 'TURN_USERNAME', description: 'Fixed TURN username, used when TURN_SECRET is unset', defaultText: '(unset)', allowed: 'text', parse: text(1, 512) }),
  turnPassword: setting({ env: 'TURN_PASSWORD', description: 'Fixed TURN password, used when TURN_SECRET is unset', defaultText: '(unset)', allowed: 'text', parse: text(1, 512), secret: true }),
  oauthGoogleClientId: setting({ env: 'OAUTH_GOOGLE_CLIENT_ID', description: 'Google sign-in: the OAuth client id (with its secret, enables POST /auth/oauth/google of the flutter API)', defaultText: '(unset: not configured)', allowed: 'text', parse: text(1, 512) }),
  oauthGoogleClientSecret: setting({ env: 'OAUTH_GOOGLE_CLIENT_SECRET', description: 'Google sign-in: the OAuth client secret', defaultText: '(unset)', allowed: 'text', parse: text(1, 512), secret: true }),
  oauthGoogleRedirectUris: setting({ env: 'OAUTH_GOOGLE_REDIRECT_URIS', description: 'Google sign-in: the redirect URIs clients may name', defaultText: '(any)', allowed: 'comma-separated URIs', parse: uriList }),
  oauthGoogleIssuer: setting({ env: 'OAUTH_GOOGLE_ISSUER', description: 'Google sign-in: the OpenID issuer whose published metadata gives the endpoints', defaultText: 'https://accounts.google.com', allowed: 'an http(s) URL', parse: httpUrl }),
  oauthGithubClientId: setting({ env: 'OAUTH_GITHUB_CLIENT_ID', description: 'GitHub sign-in: the OAuth app client id (with its secret, enables POST /auth/oauth/github of the flutter API)', defaultText: '(unset: not configured)', allowed: 'text', parse: text(1, 512) }),
  oauthGithubClientSecret: setting({ env: 'OAUTH_GITHUB_CLIENT_SECRET', description: 'GitHub sign-in: the OAuth app client secret', defaultText: '(unset)', allowed: 'text', parse: text(1, 512), secret: true }),
  oauthGithubRedirectUris: setting({ env: 'OAUTH_GITHUB_REDIRECT_URIS', description: 'GitHub sign-in: the redirect URIs clients may name', defaultText: '(any)', allowed: 'comma-separated URIs', parse: uriList }),
  oauthGithubUrl: setting({ env: 'OAUTH_GITHUB_URL', description: 'GitHub sign-in: the site whose /login/oauth/access_token exchanges codes', defaultText: 'https://github.com', allowed: 'an http(s) URL', parse: httpUrl }),
  oauthGithubApiUrl: setting({ env: 'OAUTH_GITHUB_API_URL', description: 'GitHub sign-in: the REST API serving /user and /user/emails', defaultText: 'https://api.github.com', allowed: 'an http(s) URL', parse: httpUrl }),
  redisUrl: setting({ env: 'REDIS_URL', description: 'Redis shared by several nodes: events and signals cross nodes, presence, rate limits and connection limits count cluster-wide. Unset: one node, all in memory', defaultText: '(unset)', allowed: 'redis://[:password@]host:port[/db] or rediss://...', parse: redisUrl }),
  redisPrefix: setting({ env: 'REDIS_PREFIX', description: 'Prefix of every Redis key and channel (lets several deployments share one Redis)', defaultText: 'parley:', allowed: '1 to 64 letters, digits and . _ : -', parse: pattern(/^[A-Za-z0-9._:-]{1,64}$/) }),
  nodeId: setting({ env: 'NODE_ID', description: 'Name of this node among the nodes sharing Redis; must be unique. A node restarted with the same name clears what its previous run left at once', defaultText: '<hostname>-<pid>', allowed: 'up to 63 letters, digits, . and - (starting with a letter or digit)', parse: pattern(nodeIdPattern) }),
  nodeTimeout: setting({ env: 'NODE_TIMEOUT', description: 'How long a node may miss its heartbeats (sent every quarter of this) before the others count it dead: its users go offline and its calls end', defaultText: '20s', allowed: 'a duration from 1s to 5m', parse: duration(1000, 300_000) }),
  fileStorage: setting({ env: 'FILE_STORAGE', description: 'Where uploaded files live: local disk (FILES_DIR, one node) or an S3-compatible object store (S3_*, any number of nodes)', defaultText: 'local', allowed: 'local or s3', parse: oneOf('local', 's3') }),
  s3Endpoint: setting({ env: 'S3_ENDPOINT', description: 'S3-compatible endpoint (MinIO, Ceph, R2, ...); unset for AWS S3', defaultText: '(AWS)', allowed: 'an http(s) URL', parse: httpUrl }),
  s3Bucket: setting({ env: 'S3_BUCKET', description: 'Bucket holding the files (must exist); required with FILE_STORAGE=s3', defaultText: '(unset)', allowed: 'a bucket name (3 to 63 characters)', parse: pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/) }),
  s3Region: setting({ env: 'S3_REGION', description: 'Region of the bucket', defaultText: 'us-east-1', allowed: 'a region name', parse: pattern(/^[a-z0-9-]{1,64}$/) }),
  s3AccessKeyId: setting({ env: 'S3_ACCESS_KEY_ID', description: 'Access key; with S3_SECRET_ACCESS_KEY. Both unset: the AWS default credential chain (AWS_* variables, instance role)', defaultText: '(unset)', allowed: 'text', parse: text(1, 256), secret: true }),
  s3SecretAccessKey: setting({ env: 'S3_SECRET_ACCESS_KEY', description: 'Secret key for S3_ACCESS_KEY_ID', defaultText: '(unset)', allowed: 'text', parse: text(1, 256), secret: true }),
  s3ForcePathStyle: setting({ env: 'S3_FORCE_PATH_STYLE', description: 'Address objects as <endpoint>/<bucket>/<key> (most self-hosted stores) instead of <bucket>.<endpoint>/<key>', defaultText: 'false', allowed: 'true or false', parse: boolean }),
  s3Prefix: setting({ env: 'S3_PREFIX', description: 'Prefix of every object key (to share a bucket)', defaultText: '(none)', allowed: 'up to 200 letters, digits and . _ / - ending with /', parse: pattern(/^[A-Za-z0-9._/-]{0,199}\/$/) }),
  metrics: setting({ env: 'METRICS', description: 'Prometheus metrics at GET /metrics (see "Metrics"); off: not served', defaultText: 'on', allowed: 'on or off', parse: boolean }),
  metricsPort: setting({
    env: 'METRICS_PORT',
    description: 'Serve /metrics on this port of HOST instead of the main port (which then answers it with 404), so that only the monitoring network reaches it',
    defaultText: '(unset: the main port)',
    allowed: 'an integer from 0 to 65535, other than PORT and the profiles\' own ports',
    parse: integer(0, 65535),
  }),
  webApp: setting({
    env: 'WEB_APP',
    description: 'Serve Parley Web, the browser chat client at /app and the admin console at /app/admin (see "Parley Web"); off: /app answers 404',
    defaultText: 'on',
    allowed: 'on or off',
    parse: boolean,
  }),
  webAppDir: setting({
    env: 'WEB_APP_DIR',
    description: 'Directory of the built Parley Web that /app serves (what `npm run build` writes); when it holds no build, /app answers 503 saying how to build one',
    defaultText: '<install>/dist/web',
    allowed: 'a directory path',
    parse: text(),
  }),
} as const;

type Settings = typeof settings;

/**
 * A rejected value as an error message may quote it: a secret not at all, anything else with the
 * password of a URL and credential-like query values masked (DATABASE_URL, REDIS_URL, webhook
 * URLs), so that a configuration error pasted into a ticket carries no secret.
 */
function shown(s: Setting<unknown>, raw: string): string {
  return s.secret ? `a value of ${raw.length} characters, not shown: it is secret` : JSON.stringify(redactUrl(raw));
}
type Parsed = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> };

export type Env = Record<string, string | undefined>;

/** Where the variables come from: the PARLEY_CONFIG file (if any) with the environment over it. */
export interface ConfigSources {
  /** The variables: the file's, overlaid with the environment. */
  env: Env;
  /** The file PARLEY_CONFIG names, if it is set. */
  file: string | undefined;
  /** Variables whose value is the file's (the environment does not set them). */
  fromFile: ReadonlySet<string>;
  /** Keys of the file that name no variable: ignored, and warned about (`configWarnings`). */
  unknownFileKeys: string[];
}

/** Every variable Parley reads: its settings, and PARLEY_CONFIG. */
export const knownVariables: ReadonlySet<string> = new Set(['PARLEY_CONFIG', ...Object.values(settings).map((s) => s.env)]);

/**
 * Reads PARLEY_CONFIG (if set) and overlays the environment on it. A key that names no variable
 * is set aside rather than refused: a file shared by the nodes of a rolling upgrade may already
 * name a setting that only the newer build knows.
 */
export function readConfigSources(env: Env = process.env): ConfigSources {
  const file = env.PARLEY_CONFIG;
  if (!file) return { env, file: undefined, fromFile: new Set(), unknownFileKeys: [] };
  let fromFile: unknown;
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`PARLEY_CONFIG: cannot read JSON from ${file} (${whyUnreadable(err)})`]);
  }
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new ConfigError([`PARLEY_CONFIG: ${file} must hold a JSON object whose keys are variable names`]);
  }
  const problems: string[] = [];
  const unknownFileKeys: string[] = [];
  const merged: Env = {};
  for (const [key, value] of Object.entries(fromFile)) {
    if (!knownVariables.has(key) || key === 'PARLEY_CONFIG') unknownFileKeys.push(key);
    else if (['string', 'number', 'boolean'].includes(typeof value)) merged[key] = String(value);
    else problems.push(`${key}: in ${file} must be a string, number or boolean`);
  }
  if (problems.length) throw new ConfigError(problems);
  const fromFileKeys = new Set(Object.keys(merged).filter((key) => env[key] === undefined));
  return { env: { ...merged, ...env }, file, fromFile: fromFileKeys, unknownFileKeys };
}

/** The variables: PARLEY_CONFIG's file (if set) with the environment over it. */
export function gatherEnv(env: Env = process.env): Env {
  return readConfigSources(env).env;
}

/** Why the file could not be read, without quoting its text: a parse error would show a piece of it, secrets included. */
function whyUnreadable(err: unknown): string {
  if (!(err instanceof SyntaxError)) return (err as Error).message;
  const where = /at position \d+(?: \(line \d+ column \d+\))?/.exec(err.message);
  return where ? `not valid JSON ${where[0]}` : 'not valid JSON';
}

export function loadConfig(env: Env = gatherEnv()): Config {
  const problems: string[] = [];
  const parsed = {} as Record<string, unknown>;
  for (const [key, s] of Object.entries(settings) as [keyof Settings, Setting<unknown>][]) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') continue;
    const value = s.parse(raw);
    if (value === undefined) problems.push(`${s.env}: must be ${s.allowed} (got ${shown(s, raw)})`);
    else parsed[key] = value;
  }
  const p = parsed as Partial<Parsed>;
  if (p.codeSender === 'webhook' && !p.codeWebhookUrl) {
    problems.push('CODE_WEBHOOK_URL: must be set when CODE_SENDER=webhook');
  }
  if (p.fileStorage === 's3' && !p.s3Bucket) problems.push('S3_BUCKET: must be set when FILE_STORAGE=s3');
  if ((p.s3AccessKeyId === undefined) !== (p.s3SecretAccessKey === undefined)) {
    problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither');
  }
  const takenPorts = [p.port ?? 8080, ...(p.profiles ?? []).flatMap((m) => (m.port === null ? [] : [m.port]))];
  if (p.metricsPort !== undefined && p.metricsPort !== 0 && takenPorts.includes(p.metricsPort)) {
    problems.push(`METRICS_PORT: must differ from PORT and the profiles' own ports (got ${p.metricsPort})`);
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(p.dataDir ?? './data');
  return {
    host: p.host ?? '0.0.0.0',
    port: p.port ?? 8080,
    dataDir,
    databaseUrl: p.databaseUrl ?? `sqlite:${path.join(dataDir, 'parley.db')}`,
    databasePoolSize: p.databasePoolSize ?? 10,
    databaseConnectTimeoutMs: p.databaseConnectTimeout ?? 10_000,
    sqliteSynchronous: p.sqliteSynchronous ?? 'FULL',
    sqliteMmapSize: p.sqliteMmapSize ?? 256 * 1024 ** 2,
    filesDir: path.resolve(p.filesDir ?? path.join(dataDir, 'files')),
    publicUrl: p.publicUrl ?? undefined,
    uploadMaxSize: p.uploadMaxSize ?? 100 * 1024 ** 2,
    recallWindow: p.recallWindow ?? 120_000,
    timerInterval: p.timerInterval ?? 1000,
    jwtSecret: p.jwtSecret ?? undefined,
    accessTokenTtl: Math.floor((p.accessTokenTtl ?? 3_600_000) / 1000),
    refreshTokenTtl: Math.floor((p.refreshTokenTtl ?? 30 * 86_400_000) / 1000),
    argon2: {
      memoryKib: p.argon2MemoryKib ?? 19_456,
      timeCost: p.argon2TimeCost ?? 2,
      parallelism: p.argon2Parallelism ?? 1,
    },
    registration: p.registration ?? 'open',
    codeSender: p.codeSender ?? 'log',
    codeWebhookUrl: p.codeWebhookUrl ?? undefined,
    codeWebhookSecret: p.codeWebhookSecret ?? undefined,
    codeTtl: Math.floor((p.codeTtl ?? 300_000) / 1000),
    codeMaxAttempts: p.codeMaxAttempts ?? 5,
    codeResendInterval: Math.floor((p.codeResendInterval ?? 60_000) / 1000),
    rateLimits: {
      auth: p.rateLimitAuth === undefined ? { limit: 5, windowMs: 60_000 } : p.rateLimitAuth,
      send: p.rateLimitSend === undefined ? { limit: 100, windowMs: 60_000 } : p.rateLimitSend,
      upload: p.rateLimitUpload === undefined ? { limit: 10, windowMs: 60_000 } : p.rateLimitUpload,
      query: p.rateLimitQuery === undefined ? { limit: 1000, windowMs: 60_000 } : p.rateLimitQuery,
    },
    loginFailureLimit: p.rateLimitLoginFailures === undefined ? { limit: 10, windowMs: 15 * 60_000 } : p.rateLimitLoginFailures,
    corsOrigins: p.corsOrigins ?? '*',
    bodyLimit: p.bodyLimit ?? 1024 * 1024,
    trustProxy: p.trustProxy ?? false,
    logLevel: p.logLevel ?? 'info',
    shutdownTimeout: p.shutdownTimeout ?? 10_000,
    ws: {
      heartbeatMs: p.wsHeartbeat ?? 30_000,
      maxFrameBytes: p.wsMaxFrame ?? 128 * 1024,
      bufferLimitBytes: p.wsBufferLimit ?? 1024 * 1024,
      maxConnectionsPerUser: p.wsMaxConnections ?? 16,
      frameRate: p.wsRateLimit === undefined ? { limit: 120, windowMs: 10_000 } : p.wsRateLimit,
    },
    eventRetentionMs: p.eventRetention ?? 7 * 86_400_000,
    callRingTimeoutMs: p.callRingTimeout ?? 60_000,
    ice: {
      iceServers: p.iceServers ?? ['stun:stun.l.google.com:19302'],
      turnUrls: p.turnUrls ?? [],
      turnSecret: p.turnSecret ?? undefined,
      turnTtl: Math.floor((p.turnTtl ?? 86_400_000) / 1000),
      turnUsername: p.turnUsername ?? undefined,
      turnPassword: p.turnPassword ?? undefined,
    },
    oauth: {
      ...(p.oauthGoogleClientId && p.oauthGoogleClientSecret && {
        google: { clientId: p.oauthGoogleClientId, clientSecret: p.oauthGoogleClientSecret, redirectUris: p.oauthGoogleRedirectUris ?? [], issuer: p.oauthGoogleIssuer ?? 'https://accounts.google.com' },
      }),
      ...(p.oauthGithubClientId && p.oauthGithubClientSecret && {
        github: {
          clientId: p.oauthGithubClientId,
          clientSecret: p.oauthGithubClientSecret,
          redirectUris: p.oauthGithubRedirectUris ?? [],
          issuer: p.oauthGithubUrl ?? 'https://github.com',
          apiUrl: p.oauthGithubApiUrl ?? 'https://api.github.com',
        },
      }),
    },
    redisUrl: p.redisUrl ?? undefined,
    redisPrefix: p.redisPrefix ?? 'parley:',
    nodeId: p.nodeId ?? defaultNodeId(),
    profiles: p.profiles ?? profileMounts(defaultProfiles)!,
    compat: { zhihang: p.zhihangCompat === undefined || p.zhihangCompat === 'off' ? [] : [p.zhihangCompat] },
    nodeTimeoutMs: p.nodeTimeout ?? 20_000,
    fileStorage: p.fileStorage ?? 'local',
    s3: {
      endpoint: p.s3Endpoint ?? undefined,
      bucket: p.s3Bucket ?? undefined,
      region: p.s3Region ?? 'us-east-1',
      accessKeyId: p.s3AccessKeyId ?? undefined,
      secretAccessKey: p.s3SecretAccessKey ?? undefined,
      forcePathStyle: p.s3ForcePathStyle ?? false,
      keyPrefix: p.s3Prefix ?? '',
    },
    metrics: { enabled: p.metrics ?? true, port: p.metricsPort ?? null },
    webApp: { enabled: p.webApp ?? true, dir: path.resolve(p.webAppDir ?? builtWebApp) },
  };
}

/** The configuration table of the README, generated from `settings`. */
export function configurationTable(): string {
  const cell = (text: string) => text.replace(/</g, '&lt;').replace(/\|/g, '\\|');
  const rows = Object.values(settings).map((s) => `| \`${s.env}\` | ${cell(s.description)} | \`${s.defaultText}\` | ${cell(s.allowed)} |`);
  return ['| variable | meaning | default | allowed |', '|---|---|---|---|', ...rows].join('\n');
}
