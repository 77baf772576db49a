import { RedisBus } from './cluster/bus.ts';
import { RedisPresence } from './cluster/presence.ts';
import { RedisLink } from './cluster/redis.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { LocalBus, type Bus } from './realtime/bus.ts';
import { AuthService } from './services/auth.ts';
import { CallService } from './services/calls.ts';
import { systemClock, type Clock } from './services/clock.ts';
import { LogCodeSender, WebhookCodeSender, type CodeSender } from './services/code-senders.ts';
import { ContactService } from './services/contacts.ts';
import { EventLog } from './services/event-log.ts';
import { ConversationService } from './services/conversations.ts';
import { FileService } from './services/files.ts';
import { MessageService } from './services/messages.ts';
import { RedisRateLimitStore } from './services/rate-limit-redis.ts';
import { LocalDiskStorage } from './services/storage/local.ts';
import type { FileStorage } from './services/storage/storage.ts';
import { PasswordHasher } from './services/passwords.ts';
import { PresenceService } from './services/presence.ts';
import { MemoryRateLimitStore, RateLimiter } from './services/rate-limiter.ts';
import { Timers } from './services/timers.ts';
import { TokenService } from './services/tokens.ts';
import { Transactor } from './services/transactor.ts';
import { UserService } from './services/users.ts';
import { VerificationService } from './services/verification.ts';
import { openDatabase, ping, type OpenDatabase } from './store/database.ts';
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
  /** Scheduled sends and self-destruct; started by the server, stopped by close(). */
  timers: Timers;
  startedAt: number;
  /** This node's name among the nodes sharing Redis (config NODE_ID). */
  nodeId: string;
  /** The connections to Redis, when REDIS_URL is set. */
  redis: RedisLink | undefined;
  checkDatabase(): Promise<boolean>;
  /** Whether Redis answers; undefined without Redis. */
  checkRedis(): Promise<boolean | undefined>;
  close(): Promise<void>;
}

export interface CoreOverrides {
  clock?: Clock;
  codeSender?: CodeSender;
}

export async function createCore(config: Config, logger: Logger, overrides: CoreOverrides = {}): Promise<Core> {
  const clock = overrides.clock ?? systemClock;
  const database = openDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    sqliteSynchronous: config.sqliteSynchronous,
    onConnectionError: (err) => logger.warn({ err: err.message }, 'database connection lost'),
  });
  try {
    const { applied } = await migrateToLatest(database.db, database.dialect);
    if (applied.length) logger.info({ applied }, 'database migrated');
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = new Store(database.db, database.dialect);
  const onBusError = (err: unknown) => logger.error({ err }, 'bus listener failed');
  // Several nodes share Redis: events and signals cross nodes, presence and limits are counted
  // cluster-wide. Without it, everything stays in this process.
  const redis = config.redisUrl ? new RedisLink({ url: config.redisUrl, prefix: config.redisPrefix, nodeId: config.nodeId }, logger) : undefined;
  const redisBus = redis && new RedisBus(redis, config.nodeId, store.events, onBusError);
  const bus: Bus = redisBus ?? new LocalBus(onBusError);
  const presence = new PresenceService(
    store,
    bus,
    clock,
    (err) => logger.error({ err }, 'presence update failed'),
    redis && new RedisPresence(redis, config.nodeId, config.nodeTimeoutMs, logger),
  );
  const limiter = new RateLimiter(config.rateLimits, redis ? new RedisRateLimitStore(redis.command, config.redisPrefix, logger) : new MemoryRateLimitStore(), clock);
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
  const transactor = new Transactor(store, bus, clock);
  const auth = new AuthService(store, bus, tokens, passwords, verification, clock, {
    registration: config.registration,
    refreshTtl: config.refreshTokenTtl,
  });
  const users = new UserService(store, transactor, presence, clock);
  const contacts = new ContactService(store, transactor, users, clock);
  const eventLog = new EventLog(
    store,
    clock,
    { retentionMs: config.eventRetentionMs, pruneIntervalMs: Math.min(3_600_000, Math.max(60_000, config.eventRetentionMs / 4)) },
    (err) => logger.error({ err }, 'event log prune failed'),
  );
  eventLog.start();
  const calls = new CallService(store, bus, presence, clock, { ringTimeoutMs: config.callRingTimeoutMs }, (err) =>
    logger.error({ err }, 'call handling failed'),
  );
  const conversations = new ConversationService(store, transactor, clock);
  const messages = new MessageService(store, transactor, conversations, clock, { recallWindow: config.recallWindow });
  // Every ended call (answered or not) leaves a `call` message in the parties' private chat; the
  // call service logs a failure here and goes on.
  calls.onCallEnded = async (call) => {
    await messages.recordCall(call);
  };
  const timers = new Timers(messages, clock, logger, { intervalMs: config.timerInterval });
  messages.setDueListener((at) => timers.wake(at));
  // The S3 SDK is loaded only by the nodes that use it: it adds ~0.2 s to every start.
  const s3 = config.fileStorage === 's3' ? new (await import('./services/storage/s3.ts')).S3Storage(config.s3) : undefined;
  const storage: FileStorage = s3 ?? new LocalDiskStorage(config.filesDir);
  const files = new FileService(store, storage, clock, logger, { maxSize: config.uploadMaxSize });

  try {
    // The bus starts after the head of the log before the link is up: nothing is missed between.
    await redisBus?.start();
    await redis?.start();
    // Calls held by connections of a previous run under this node id are over (no connection exists yet).
    await calls.nodeDied(config.nodeId);
    await presence.start((nodeId) => calls.endCallsOf(nodeId));
  } catch (err) {
    // Open Redis connections would keep a process that cannot start alive.
    await presence.stop().catch(() => undefined);
    await bus.close();
    await redis?.close();
    await eventLog.stop();
    await database.close();
    throw err;
  }

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
    timers,
    startedAt: clock.now(),
    nodeId: config.nodeId,
    redis,
    async checkDatabase() {
      try {
        await ping(database.db);
        return true;
      } catch {
        return false;
      }
    },
    async checkRedis() {
      return redis?.ping();
    },
    async close() {
      calls.close();
      await eventLog.stop();
      await timers.stop();
      await presence.stop();
      await bus.close();
      await limiter.close();
      s3?.close();
      await redis?.close();
      await database.close();
    },
  };
}
