import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.ts';
import { redactUrl } from '../redaction.ts';

export interface RedisLinkOptions {
  url: string;
  /** Put in front of every key and channel. */
  prefix: string;
  /** Names this node's connections in `CLIENT LIST`. */
  nodeId: string;
}

type Listener = () => void;

/** Reconnects quickly at first, then every 2 s at most: a restarted Redis is back within seconds. */
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000) + Math.floor(Math.random() * 100);
/** How often the subscription connection proves it is alive (a silent network cut never closes it). */
const WATCHDOG_MS = 5000;
const WATCHDOG_TIMEOUT_MS = 3000;
const START_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms}ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * A node's two connections to Redis. Commands go over one that fails fast while Redis is away
 * (no offline queue, a short timeout), so a request never waits on Redis and nothing piles up in
 * memory; each user of the link has its fallback. Subscriptions go over the other, which
 * reconnects and resubscribes by itself; `onUp` listeners hear each time the subscriptions are
 * live again, and `onDown` each time they are lost: whatever was published meanwhile is gone for
 * this node, and each owner recovers in its own way (the bus from the event log).
 */
export class RedisLink {
  readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (message: string) => void>();
  private readonly upListeners = new Set<Listener>();
  private readonly downListeners = new Set<Listener>();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;
  /** The subscriptions are live: messages published now reach this node. */
  subscribed = false;

  constructor(
    private readonly opts: RedisLinkOptions,
    private readonly logger: Logger,
  ) {
    const common: RedisOptions = { lazyConnect: true, retryStrategy, connectTimeout: 5000, keepAlive: 10_000, connectionName: `parley:${opts.nodeId}` };
    this.command = new Redis(opts.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 });
    this.subscriber = new Redis(opts.url, { ...common, autoResubscribe: false, maxRetriesPerRequest: null });
    for (const conn of [this.command, this.subscriber]) {
      conn.on('error', (err: Error) => {
        if (this.warned || this.closed) return;
        this.warned = true;
        this.logger.warn({ err: err.message }, 'Redis unreachable; retrying (cross-node delivery falls back to the event log)');
      });
    }
    this.command.on('ready', () => {
      if (this.warned) this.logger.info('Redis reachable again');
      this.warned = false;
    });
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('close', () => this.lost());
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const handler = this.handlers.get(channel.toString());
      if (!handler) return;
      try {
        handler(message.toString('utf8'));
      } catch (err) {
        this.logger.error({ err, channel: channel.toString() }, 'a Redis message could not be handled');
      }
    });
  }

  key(name: string): string {
    return this.opts.prefix + name;
  }

  /** Handles the messages of one channel (a name under the prefix); call before start(). */
  listen(name: string, handler: (message: string) => void): string {
    const channel = this.key(name);
    this.handlers.set(channel, handler);
    return channel;
  }

  onUp(listener: Listener): void {
    this.upListeners.add(listener);
  }

  onDown(listener: Listener): void {
    this.downListeners.add(listener);
  }

  /**
   * Connects both, waiting a few seconds at most: a node starts even while Redis is away (it
   * serves its own clients and reads other nodes' events from the log) and links up when it can.
   */
  async start(): Promise<void> {
    const connected = Promise.all([this.command.connect(), this.subscriber.connect()]);
    try {
      await withTimeout(connected, START_TIMEOUT_MS);
    } catch (err) {
      connected.catch(() => undefined);
      // Not fatal, unlike an unreachable database: a node without Redis still serves its own
      // clients. The line names the variable and the (masked) address for the operator.
      this.logger.error({ err: (err as Error).message, variable: 'REDIS_URL', redis: redactUrl(this.opts.url) }, 'REDIS_URL: Redis is unreachable at start; running degraded until it answers');
    }
    this.watchdog = setInterval(() => void this.checkSubscriber(), WATCHDOG_MS);
    this.watchdog.unref();
  }

  /** Whether Redis answers a PING right now. */
  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.command.ping(), 1000)) === 'PONG';
    } catch {
      return false;
    }
  }

  async publish(name: string, message: string): Promise<void> {
    await this.command.publish(this.key(name), message);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    this.upListeners.clear();
    this.downListeners.clear();
    await Promise.all([this.command.quit().catch(() => this.command.disconnect()), this.subscriber.quit().catch(() => this.subscriber.disconnect())]);
  }

  private async resubscribe(): Promise<void> {
    try {
      if (this.handlers.size > 0) await this.subscriber.subscribe(...this.handlers.keys());
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Redis subscription failed; reconnecting');
      this.subscriber.disconnect(true);
      return;
    }
    if (this.closed || this.subscribed) return;
    this.subscribed = true;
    for (const l of this.upListeners) l();
  }

  private lost(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    for (const l of this.downListeners) l();
  }

  private async checkSubscriber(): Promise<void> {
    if (!this.subscribed) return;
    try {
      await withTimeout(this.subscriber.ping(), WATCHDOG_TIMEOUT_MS);
    } catch {
      this.logger.warn('Redis subscription connection stopped answering; reconnecting');
      this.lost();
      this.subscriber.disconnect(true);
    }
  }
}
