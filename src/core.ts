import type { RedisLink } from './cluster/redis.ts';
import type { Config, OAuthProviderConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { startDatabase } from './database-start.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { Bus } from './realtime/bus.ts';
import { SingleNodeBus } from './realtime/single-node-bus.ts';
import { AdminService } from './services/admin.ts';
import { AuthService } from './services/auth.ts';
import { CallService } from './services/calls.ts';
import { systemClock, type Clock } from './services/clock.ts';
import { LogCodeSender, WebhookCodeSender, type CodeSender } from './services/code-senders.ts';
import { ContactService } from './services/contacts.ts';
import { EventLog } from './services/event-log.ts';
import { ConversationService } from './services/conversations.ts';
import { DirectoryService } from './services/directory.ts';
import { FileService } from './services/files.ts';
import { FriendService } from './services/friends.ts';
import { HealthService } from './services/health.ts';
import { OAuthService } from './services/oauth.ts';
import { KeyService } from './services/keys.ts';
import { Lifecycle } from './services/lifecycle.ts';
import { MessageService } from './services/messages.ts';
import { defaultSendFactsLimits, SendFacts } from './services/send-facts.ts';
import { SyncService } from './services/sync.ts';
import { LocalDiskStorage } from './services/storage/local.ts';
import type { FileStorage } from './services/storage/storage.ts';
import { PasswordHasher } from './services/passwords.ts';
import { PresenceService } from './services/presence.ts';
import { MemoryRateLimitStore, RateLimiter } from './services/rate-limiter.ts';
import { TextCopier } from './services/text-copier.ts';
import { Timers } from './services/timers.ts';
import { TokenService } from './services/tokens.ts';
import { Transactor } from './services/transactor.ts';
import { UserService } from './services/users.ts';
import { VerificationService } from './services/verification.ts';
import { ping, type OpenDatabase } from './store/database.ts';
import { catchUpSearchIndex, copyMessageText, searchIndexMissing, postgresSearchIndexFix } from './store/message-search.ts';
import { migrateToLatest } from './store/migrate.ts';
import { Store } from './store/store.ts';

/** Everything a profile or the gateway needs, built once per process from the configuration. */
export interface Core {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: OpenDatabase;
  store: Store;
  bus: Bus;
  /** Runs a service operation as one transaction and publishes its events after the commit. */
  transactor: Transactor;
  presence: PresenceService;
  eventLog: EventLog;
  calls: CallService;
  limiter: RateLimiter;
  tokens: TokenService;
  auth: AuthService;
  users: UserService;
  contacts: ContactService;
  conversations: ConversationService;
  messages: MessageService;
  files: FileService;
  friends: FriendService;
  keys: KeyService;
  /** The organisation directory: departments and each user's department and position. */
  directory: DirectoryService;
  oauth: OAuthService;
  /** Incremental sync over the event log, and batch uploads of local creates. */
  sync: SyncService;
  /** Database, Redis and gateway health, for every health endpoint. */
  health: HealthService;
  /** Server administration and moderation (the admin API and the CLI). */
  admin: AdminService;
  /** Scheduled sends and self-destruct; started by the server, stopped by close(). */
  timers: Timers;
  /** SQLite: new messages' text copied for search in bulk; started by the server, stopped by close(). */
  textCopier: TextCopier | undefined;
  startedAt: number;
  /** This node's name among the nodes sharing Redis (config NODE_ID). */
  nodeId: string;
  /** The connections to Redis, when REDIS_URL is set. */
  redis: RedisLink | undefined;
  /** This server's metrics; none in a CLI command or with METRICS=off. */
  metrics: Metrics | undefined;
  checkDatabase(): Promise<boolean>;
  /** Whether Redis answers; undefined without Redis. */
  checkRedis(): Promise<boolean | undefined>;
  /** Stops every component in the reverse order of their start. */
  close(): Promise<void>;
}

export interface CoreOverrides {
  clock?: Clock;
  codeSender?: CodeSender;
  /** What the store, the transactor and the gateway report to (the server makes it). */
  metrics?: Metrics;
}

export async function createCore(config: Config, logger: Logger, overrides: CoreOverrides = {}): Promise<Core> {
  const clock = overrides.clock ?? systemClock;
  const components = new Lifecycle((err, component) => logger.error({ err, component }, 'stopping failed'));
  const database = await startDatabase(config, logger, { onConnectionError: (err) => logger.warn({ err: err.message }, 'database connection lost') });
  components.add({
    name: 'database',
    start: async () => {
      const { applied, unknown } = await migrateToLatest(database.db, database.dialect);
      if (applied.length) logger.info({ applied }, 'database migrated');
      // A rolling upgrade: a newer node migrated first. Its migrations are additive, so this one
      // runs on; the operator should know it is the older build.
      if (unknown.length) logger.warn({ unknown }, 'the database schema is newer than this build: running on it, but upgrade this node');
      // Messages another writer stored without indexing them (an older build, a bulk import):
      // in chunks, so no single transaction holds the file for long.
      if (database.dialect === 'sqlite') {
        const ids = await catchUpSearchIndex(database.db);
        if (ids > 0) logger.info({ ids }, 'search index caught up with messages stored without it');
      }
      // Searches still answer without it, by scanning: worth a warning at every start, not a refusal.
      if (await searchIndexMissing(database.db, database.dialect)) {
        logger.warn({ fix: postgresSearchIndexFix }, 'message search has no index (the pg_trgm extension could not be created): searches scan every message a user can see; run the fix as a user allowed to create extensions');
      }
    },
    stop: () => database.close(),
  });
  // The services read the migrated database as they are built (the signing key).
  await components.start();
  try {
    return await buildCore(config, logger, clock, database, components, overrides);
  } catch (err) {
    // Open connections would keep a process that cannot start alive; each failed stop is logged.
    await components.stop().catch(() => undefined);
    throw err;
  }
}

async function buildCore(
  config: Config,
  logger: Logger,
  clock: Clock,
  database: OpenDatabase,
  components: Lifecycle,
  overrides: CoreOverrides,
): Promise<Core> {
  const { metrics } = overrides;
  const store = new Store(database.db, database.dialect, metrics, (err) => logger.error({ err }, 'new messages were not added to the search index; the next commit retries'));
  const onBusError = (err: unknown) => logger.error({ err }, 'bus listener failed');
  // Several nodes share Redis: events and signals cross nodes, presence and limits are counted
  // cluster-wide. Without it, everything stays in this process.
  const { redisUrl } = config;
  const cluster = redisUrl ? (await import('./cluster/index.ts')).joinCluster({ ...config, redisUrl }, store, logger, onBusError) : undefined;
  const redis = cluster?.redis;
  const redisBus = cluster?.bus;
  // Alone, the node still follows the log, for what other processes (the CLI) commit.
  const bus = redisBus ?? new SingleNodeBus(store.events, onBusError);
  // The bus takes its place in the log before the link is up, so nothing is missed between: it
  // starts before Redis and, in reverse, stops after it.
  components.add({ name: 'bus', start: () => bus.start(), stop: () => bus.close() });
  if (redis) components.add({ name: 'redis', start: () => redis.start(), stop: () => redis.close() });
  // Presence and calls need each other (calls ask who is online; a dead node's calls end), so
  // presence reaches the call service through a closure that runs only once both exist.
  const presence = new PresenceService(
    store,
    bus,
    clock,
    { endCallsOf: (nodeId) => calls.endCallsOf(nodeId) },
    (err) => logger.error({ err }, 'presence update failed'),
    cluster?.presence,
  );
  const limiter = new RateLimiter({ ...config.rateLimits, login: config.loginFailureLimit }, cluster?.rateLimits ?? new MemoryRateLimitStore(), clock);
  const tokens = await TokenService.create(store, { secret: config.jwtSecret, accessTtl: config.accessTokenTtl, clock });
  const passwords = new PasswordHasher(config.argon2);
  const sender =
    overrides.codeSender ??
    (config.codeSender === 'webhook' ? new WebhookCodeSender(config.codeWebhookUrl!, config.codeWebhookSecret) : new LogCodeSender(logger));
  const verification = new VerificationService(store, tokens, sender, clock, {
    ttl: config.codeTtl,
    maxAttempts: config.codeMaxAttempts,
    resendInterval: config.codeResendInterval,
  });
  // What sends read and rarely changes, dropped by the changes' events: at once from this node's
  // commits (before the change is answered), from the bus for other nodes' and the CLI's. With
  // several nodes another node's change arrives only when the bus delivers it, so the facts that
  // decide a send (membership, blocks, whether a client id may name a pending scheduled send) are
  // then read from the shared database at every send: a member removed on one node can never
  // send through another meanwhile, and a retried scheduled send is never sent twice.
  const sendFacts = new SendFacts(store, cluster ? { ...defaultSendFactsLimits, memberships: 0, blocks: 0, scheduledClientIds: 0 } : defaultSendFactsLimits);
  bus.subscribe({ events: (events) => sendFacts.apply(events) });
  const transactor = new Transactor(store, bus, clock, metrics, (events) => sendFacts.apply(events));
  const directory = new DirectoryService(store, transactor, clock);
  const auth = new AuthService(store, bus, tokens, passwords, verification, limiter, clock, directory, {
    registration: config.registration,
    refreshTtl: config.refreshTokenTtl,
    onLoginFailed: (failure) => {
      logger.warn(failure, 'login refused');
      metrics?.loginRefused(failure.reason);
    },
  });
  const users = new UserService(store, transactor, presence, clock);
  const contacts = new ContactService(store, transactor, users, clock);
  const eventLog = new EventLog(
    store,
    clock,
    { retentionMs: config.eventRetentionMs, pruneIntervalMs: Math.min(3_600_000, Math.max(60_000, config.eventRetentionMs / 4)) },
    (err) => logger.error({ err }, 'event log prune failed'),
  );
  const conversations = new ConversationService(store, transactor, clock, bus);
  // Messages tell the timers of new due times and the timers run the messages' due work: the
  // same kind of closure as above.
  const messages = new MessageService(store, transactor, conversations, clock, { recallWindow: config.recallWindow }, { wake: (at) => timers.wake(at) }, sendFacts);
  const timers = new Timers(messages, clock, logger, { intervalMs: config.timerInterval });
  const textCopier = database.dialect === 'sqlite' ? new TextCopier((limit) => copyMessageText(store.db, limit), logger, { intervalMs: 1000, chunk: 1000 }) : undefined;
  // Every ended call (answered or not) leaves a `call` message in the parties' private chat.
  const calls = new CallService(store, bus, presence, clock, { ringTimeoutMs: config.callRingTimeoutMs, ice: config.ice }, messages, (err) =>
    logger.error({ err }, 'call handling failed'),
  );
  // The S3 SDK is loaded only by the nodes that use it: it adds ~0.2 s to every start.
  const s3 = config.fileStorage === 's3' ? new (await import('./services/storage/s3.ts')).S3Storage(config.s3) : undefined;
  const storage: FileStorage = s3 ?? new LocalDiskStorage(config.filesDir);
  const files = new FileService(store, storage, clock, logger, { maxSize: config.uploadMaxSize, signer: tokens });
  const friends = new FriendService(store, transactor, users, clock);
  const sync = new SyncService(store, eventLog, (text) => tokens.keyedHash(text), messages, clock, { retentionMs: config.eventRetentionMs });
  const keys = new KeyService(store, clock);
  // Endpoints the operator set to plain http (a provider on loopback) are allowed as set.
  const oauthUrls = Object.values(config.oauth).flatMap((p: OAuthProviderConfig) => [p.issuer, p.apiUrl ?? '']);
  const oauth = new OAuthService(config.oauth, auth, oauthUrls.some((u) => u.startsWith('http:')));

  components.add({
    name: 'storage',
    stop: () => s3?.close(),
  });
  components.add({ name: 'limiter', stop: () => limiter.close() });
  // Joins the cluster, if any, before the node accepts connections.
  components.add({ name: 'presence', start: () => presence.start(), stop: () => presence.stop() });
  // Started by the server once it listens (a CLI command builds a core and runs no timers).
  components.add({ name: 'timers', stop: () => timers.stop() });
  if (textCopier) components.add({ name: 'text copier', stop: () => textCopier.stop() });
  components.add({ name: 'event log', start: () => eventLog.start(), stop: () => eventLog.stop() });
  components.add({
    name: 'calls',
    // Calls held by connections of a previous run under this node id are over (no connection exists yet).
    start: () => calls.nodeDied(config.nodeId),
    stop: () => calls.close(),
  });
  await components.start();
  const checkDatabase = async () => {
    try {
      await ping(database.db);
      return true;
    } catch {
      return false;
    }
  };
  const checkRedis = async () => redis?.ping();
  const health = new HealthService({ database: checkDatabase, redis: checkRedis });
  const startedAt = clock.now();
  const admin = new AdminService(store, transactor, auth, conversations, files, clock, { nodeId: config.nodeId, startedAt });
  return {
    config,
    logger,
    clock,
    database,
    store,
    bus,
    transactor,
    presence,
    eventLog,
    calls,
    limiter,
    tokens,
    auth,
    users,
    contacts,
    conversations,
    messages,
    files,
    friends,
    keys,
    directory,
    oauth,
    timers,
    textCopier,
    startedAt,
    nodeId: config.nodeId,
    redis,
    metrics,
    sync,
    health,
    admin,
    checkDatabase,
    checkRedis,
    close: () => components.stop(),
  };
}
