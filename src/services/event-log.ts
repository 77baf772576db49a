import type { DomainEvent } from '../domain/events.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

const PRUNED_THROUGH = 'events_pruned_through';
const PRUNE_BATCH = 5000;

export interface EventLogOptions {
  /** Events older than this are deleted; a client resuming from before them must refetch. */
  retentionMs: number;
  /** How often the background prune runs. */
  pruneIntervalMs: number;
}

export type ReplayCheck = { ok: true; latest: number } | { ok: false; reason: 'expired' | 'unknown_seq'; latest: number };

/**
 * Reading and pruning the event log for resume. The highest pruned seq is kept in `settings`, so
 * any node can tell exactly whether a client's `since` still has everything after it (seqs may
 * have gaps, so "older than the first row" would not tell).
 */
export class EventLog {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: EventLogOptions,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** The newest seq handed out; never goes back, even when pruning emptied the log. */
  async latestSeq(): Promise<number> {
    return (await this.marks()).latest;
  }

  /** Whether a replay from `since` is complete: nothing after it pruned, and not ahead of the log. */
  async checkReplay(since: number): Promise<ReplayCheck> {
    const { latest, pruned } = await this.marks();
    if (since > latest) return { ok: false, reason: 'unknown_seq', latest };
    if (since < pruned) return { ok: false, reason: 'expired', latest };
    return { ok: true, latest };
  }

  /** The highest seq pruned so far (0 while nothing was). */
  async prunedThrough(): Promise<number> {
    return (await this.marks()).pruned;
  }

  private async marks(): Promise<{ latest: number; pruned: number }> {
    const [inLog, mark] = await Promise.all([this.store.events.latestSeq(), this.store.settings.get(PRUNED_THROUGH)]);
    const pruned = Number(mark ?? 0);
    return { latest: Math.max(inLog, pruned), pruned };
  }

  forUser(userId: number, afterSeq: number, limit: number): Promise<DomainEvent[]> {
    return this.store.events.forUser(userId, afterSeq, limit);
  }

  /** Starts the periodic prune (first run right away). */
  start(): void {
    if (this.timer) return;
    const tick = () => void this.prune().catch(this.onError);
    this.timer = setInterval(tick, this.opts.pruneIntervalMs);
    this.timer.unref();
    tick();
  }

  /** Deletes events past retention, in batches; returns how many went. One run at a time. */
  prune(): Promise<number> {
    this.running ??= this.pruneOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async pruneOnce(): Promise<number> {
    const now = this.clock.now();
    const through = await this.store.events.lastSeqBefore(now - this.opts.retentionMs);
    if (through === undefined) return 0;
    // The mark goes first: a resume that reads it while rows are disappearing asks for a refetch
    // instead of replaying a log with holes.
    const previous = Number((await this.store.settings.get(PRUNED_THROUGH)) ?? 0);
    if (through > previous) await this.store.settings.set(PRUNED_THROUGH, String(through), now);
    let total = 0;
    for (;;) {
      const n = await this.store.events.deleteThrough(through, PRUNE_BATCH);
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }
}
