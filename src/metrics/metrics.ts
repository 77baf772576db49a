import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainEvent } from '../domain/events.ts';
import type { DeliveryMeter } from '../realtime/connection.ts';
import type { Clock } from '../services/clock.ts';
import type { CommitMeter } from '../services/transactor.ts';
import type { StoreMeter } from '../store/store.ts';
import { gitSha, version } from '../version.ts';
import { processRegistry } from './process.ts';
import { watchState, type StateSources } from './state.ts';

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const transactionBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Close codes worth telling apart; any other (clients may send 3000–4999) counts as `other`. */
const knownCloseCodes = new Set([1000, 1001, 1005, 1006, 1008, 1009, 1011, 4401, 4408]);

export interface MetricsOptions {
  nodeId: string;
  clock: Clock;
}

/**
 * The metrics of one running server, on a registry of its own (never prom-client's global one:
 * two nodes in one process must not share counters). The hot paths reach it through narrow
 * interfaces their own modules declare (`StoreMeter`, `CommitMeter`, `DeliveryMeter`), so the
 * store, services and gateway do not know prom-client; a process without metrics (a CLI command,
 * METRICS=off) passes none and pays nothing.
 */
export class Metrics implements StoreMeter, CommitMeter {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'profile' | 'status'>;
  private readonly socketsOpened: Counter<'profile'>;
  private readonly socketsClosed: Counter<'profile' | 'code'>;
  private readonly socketsRefused: Counter<'profile' | 'status'>;
  private readonly messagesSent: Counter;
  private readonly messagesDelivered: Counter<'profile'>;
  private readonly deliveryLatency: Histogram<'profile'>;
  private readonly transactionDuration: Histogram<'outcome'>;
  private readonly batchSize: Histogram;
  private readonly loginsRefused: Counter<'reason'>;
  private readonly meters = new Map<string, DeliveryMeter>();
  private readonly committedOutcome: Histogram.Internal<'outcome'>;
  private readonly rolledBackOutcome: Histogram.Internal<'outcome'>;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern, profile and status, and how long they took (its _count is the request count)',
      labelNames: ['method', 'route', 'profile', 'status'],
      buckets: latencyBuckets,
      registers,
    });
    this.socketsOpened = new Counter({ name: 'parley_websocket_opened_total', help: 'WebSocket connections opened, by profile', labelNames: ['profile'], registers });
    this.socketsClosed = new Counter({
      name: 'parley_websocket_closed_total',
      help: 'WebSocket connections closed, by profile and close code (4401 session ended, 4408 too slow, 1006 dropped)',
      labelNames: ['profile', 'code'],
      registers,
    });
    this.socketsRefused = new Counter({
      name: 'parley_websocket_refused_total',
      help: 'WebSocket upgrades refused after the path matched, by profile and HTTP status',
      labelNames: ['profile', 'status'],
      registers,
    });
    this.messagesSent = new Counter({
      name: 'parley_messages_sent_total',
      help: 'Messages committed by this node (user sends, system notices, call records, scheduled deliveries)',
      registers,
    });
    this.messagesDelivered = new Counter({
      name: 'parley_messages_delivered_total',
      help: 'Messages written live to a WebSocket, once per message and connection, by the connection profile',
      labelNames: ['profile'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'parley_message_delivery_latency_seconds',
      help: 'From a message being stored to its frame being written to a WebSocket, by profile',
      labelNames: ['profile'],
      buckets: latencyBuckets,
      registers,
    });
    this.transactionDuration = new Histogram({
      name: 'parley_db_transaction_duration_seconds',
      help: 'Database transactions, from being asked for to their commit or rollback (on SQLite including the wait for the group commit)',
      labelNames: ['outcome'],
      buckets: transactionBuckets,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'parley_db_group_commit_batch_size',
      help: 'Transactions sharing one SQLite commit (group commit)',
      buckets: batchBuckets,
      registers,
    });
    // The event-loop monitor measures from when it starts: start it with the server, not at the first scrape.
    processRegistry();
    this.loginsRefused = new Counter({
      name: 'parley_logins_refused_total',
      help: 'Logins refused, by reason (WRONG_PASSWORD, WRONG_CODE, USER_NOT_FOUND, USER_DISABLED, RATE_LIMITED)',
      labelNames: ['reason'],
      registers,
    });
    this.committedOutcome = this.transactionDuration.labels('commit');
    this.rolledBackOutcome = this.transactionDuration.labels('rollback');
    new Gauge({
      name: 'parley_build_info',
      help: 'Always 1; the labels say which build this node runs',
      labelNames: ['version', 'git_sha', 'node_id'],
      registers,
    }).set({ version, git_sha: gitSha ?? 'unknown', node_id: opts.nodeId }, 1);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition: this server's metrics, then the process's. */
  async exposition(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${proc}`;
  }

  /** Gauges read from the running server at each scrape (sockets open, event-log lag, pool, Redis). */
  watch(sources: StateSources): void {
    watchState(this.registry, sources);
  }

  request(method: string, route: string, profile: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, profile, status: String(status) }, seconds);
  }

  socketOpened(profile: string): void {
    this.socketsOpened.inc({ profile });
  }

  socketClosed(profile: string, code: number): void {
    this.socketsClosed.inc({ profile, code: knownCloseCodes.has(code) ? String(code) : 'other' });
  }

  socketRefused(profile: string, status: number): void {
    this.socketsRefused.inc({ profile, status: String(status) });
  }

  /** The meter of one profile's connections: bound once, so a delivery costs an increment and an observation. */
  deliveries(profile: string): DeliveryMeter {
    let meter = this.meters.get(profile);
    if (!meter) {
      const count = this.messagesDelivered.labels(profile);
      const latency = this.deliveryLatency.labels(profile);
      const { clock } = this.opts;
      meter = {
        delivered(storedAt: number) {
          count.inc();
          latency.observe((clock.now() - storedAt) / 1000);
        },
      };
      this.meters.set(profile, meter);
    }
    return meter;
  }

  committed(events: readonly DomainEvent[]): void {
    let messages = 0;
    for (const e of events) if (e.type === 'message.created') messages++;
    if (messages > 0) this.messagesSent.inc(messages);
  }

  transaction(seconds: number, committed: boolean): void {
    (committed ? this.committedOutcome : this.rolledBackOutcome).observe(seconds);
  }

  batch(units: number): void {
    this.batchSize.observe(units);
  }

  loginRefused(reason: string): void {
    this.loginsRefused.inc({ reason });
  }
}
