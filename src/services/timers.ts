import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import { SerialRuns } from './serial-runs.ts';

/** Work the timers run: each step handles up to `batch` due items and says how many it did. */
export interface TimedWork {
  /** Scheduled sends that are due. */
  deliverDue(batch: number, leaseMs: number): Promise<number>;
  /** Self-destructing messages whose time has come. */
  expireDue(batch: number): Promise<number>;
  /** The earliest time there will be work, or null for none. */
  nextDue(): Promise<number | null>;
}

export interface TimerOptions {
  /** How often to look in the database for due work. */
  intervalMs: number;
  batch?: number;
  /** How long a claimed scheduled send stays this node's before another node may take it over. */
  leaseMs?: number;
}

/**
 * Runs due work from the database: a poll every `intervalMs` (so work scheduled by other nodes, or
 * left by a crashed one, is found) plus an alarm set for the next known due time when it comes
 * sooner. The database claims make it safe for every node to run this at once. Cycles never
 * overlap; `stop()` waits for the running one so shutdown never cuts a delivery in half.
 */
export class Timers {
  private readonly batch: number;
  private readonly leaseMs: number;
  private poll: NodeJS.Timeout | undefined;
  private alarm: NodeJS.Timeout | undefined;
  private alarmAt = Number.POSITIVE_INFINITY;
  private readonly runs = new SerialRuns(async () => {
    if (!this.stopped) await this.cycle();
  });
  private stopped = false;

  constructor(
    private readonly work: TimedWork,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TimerOptions,
  ) {
    this.batch = options.batch ?? 100;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  start(): void {
    if (this.poll || this.stopped) return;
    this.poll = setInterval(() => void this.runNow(), this.options.intervalMs);
    this.poll.unref();
    void this.runNow();
  }

  /** Something becomes due at `at`: make sure a cycle runs then, not only at the next poll. */
  wake(at: number): void {
    if (this.stopped || !this.poll || at >= this.alarmAt) return;
    const delay = Math.max(0, at - this.clock.now());
    if (delay >= this.options.intervalMs) return;
    clearTimeout(this.alarm);
    this.alarmAt = at;
    this.alarm = setTimeout(() => {
      this.alarmAt = Number.POSITIVE_INFINITY;
      void this.runNow();
    }, delay + 1);
    this.alarm.unref();
  }

  /**
   * Runs a full cycle that starts after this call (waiting for one in progress first); resolves
   * when it is done. Callers that just changed the clock or the data can rely on it.
   */
  runNow(): Promise<void> {
    return this.runs.request();
  }

  private async cycle(): Promise<void> {
    try {
      while (!this.stopped && (await this.work.deliverDue(this.batch, this.leaseMs)) === this.batch);
      while (!this.stopped && (await this.work.expireDue(this.batch)) === this.batch);
      if (this.stopped) return;
      // Anything already due that is still there failed this cycle; the poll retries it.
      const next = await this.work.nextDue();
      if (next !== null && next > this.clock.now()) this.wake(next);
    } catch (err) {
      // The database may be briefly unreachable; the next poll tries again.
      this.logger.error({ err }, 'timer cycle failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.alarm);
    await this.runs.settled();
  }
}
