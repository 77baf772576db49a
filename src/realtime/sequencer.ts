import type { DomainEvent } from '../domain/events.ts';

/** The event log as the sequencer reads it: every audience, by seq. */
export interface EventSource {
  /** Every committed event with `after < seq ≤ through`, oldest first, at most `limit`. */
  between(after: number, through: number, limit: number): Promise<DomainEvent[]>;
  /** The highest committed seq. */
  latestSeq(): Promise<number>;
}

export interface SequencerOptions {
  /** How long a hole in the seqs may stay open before it is filled from the log. */
  gapWaitMs: number;
  /** How often the head of the log is compared with what was delivered (and polled while unlinked). */
  checkMs: number;
  /** Events read from the log per query. */
  batch: number;
  /** Out-of-order events held at most; beyond, they are dropped and read back from the log. */
  maxPending: number;
}

export const defaultSequencerOptions: SequencerOptions = { gapWaitMs: 100, checkMs: 500, batch: 1000, maxPending: 10_000 };

/**
 * Turns events arriving from anywhere (this node's commits, other nodes' through pub/sub, the log)
 * into one stream in seq order, each event once, with nothing missing.
 *
 * What makes it exact: the event repo hands out seqs under a lock held until commit, so once seq
 * M is committed every lower seq is final, committed or never to be. An event arriving above a
 * hole therefore proves that the log already holds whatever belongs in the hole: after a short
 * wait (the missing event is usually just behind, published by another node), the hole is read
 * from the log. Seqs of rolled-back transactions leave holes nothing will fill; the read settles
 * them too.
 *
 * Pub/sub can lose the last events before a silence (a node killed between its commit and its
 * publish, a Redis outage). So the head of the log is checked every `checkMs`: whatever was
 * committed a full check ago and has not arrived is read from the log. While unlinked from the
 * other nodes, each check reads everything new.
 */
export class Sequencer {
  /** Every seq up to here has been delivered or is known not to exist. */
  private delivered = 0;
  private readonly pending = new Map<number, DomainEvent>();
  private highestPending = 0;
  private gapTimer: NodeJS.Timeout | undefined;
  /** `delivered` when the gap timer was armed: progress since means the hole is a new one. */
  private gapArmedAt = 0;
  private reading: Promise<void> | undefined;
  /** A read asked for while one was running: through this seq. */
  private readAgain = 0;
  private checker: NodeJS.Timeout | undefined;
  private watched = 0;
  private linked = false;
  private stopped = false;

  constructor(
    private readonly source: EventSource,
    private readonly deliver: (events: readonly DomainEvent[]) => void,
    private readonly opts: SequencerOptions = defaultSequencerOptions,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** The highest seq delivered (or settled as absent). */
  get position(): number {
    return this.delivered;
  }

  /** Starts after the current head of the log: this node has delivered nothing before it. */
  async start(): Promise<void> {
    this.delivered = Math.max(this.delivered, await this.source.latestSeq());
    this.watched = this.delivered;
    this.checker = setInterval(() => void this.check(), this.opts.checkMs);
    this.checker.unref();
  }

  /**
   * Whether events of other nodes arrive live. Coming back, everything committed meanwhile is
   * read from the log at once; while away, each check polls the log.
   */
  setLinked(linked: boolean): void {
    this.linked = linked;
    if (linked) void this.catchUp();
  }

  /** Events from anywhere, in any order, possibly again. */
  offer(events: readonly DomainEvent[]): void {
    if (this.stopped) return;
    for (const e of events) {
      if (e.seq <= this.delivered || this.pending.has(e.seq)) continue;
      this.pending.set(e.seq, e);
      if (e.seq > this.highestPending) this.highestPending = e.seq;
    }
    if (this.pending.size > this.opts.maxPending) {
      // The log has all of them: hold nothing, read them back in order.
      const through = this.highestPending;
      this.pending.clear();
      this.read(through);
      return;
    }
    this.drain();
  }

  /** Reads everything committed up to now; resolves when delivered (for shutdown and tests). */
  async catchUp(): Promise<void> {
    try {
      this.read(await this.source.latestSeq());
    } catch (err) {
      this.onError(err);
    }
    while (this.reading) await this.reading;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.checker);
    clearTimeout(this.gapTimer);
    this.pending.clear();
  }

  private drain(): void {
    if (this.reading) return;
    const out: DomainEvent[] = [];
    for (let e = this.pending.get(this.delivered + 1); e; e = this.pending.get(this.delivered + 1)) {
      this.pending.delete(e.seq);
      this.delivered = e.seq;
      out.push(e);
    }
    if (out.length > 0) this.emit(out);
    if (this.pending.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else if (!this.gapTimer) {
      this.armGapTimer();
    }
  }

  private armGapTimer(): void {
    this.gapArmedAt = this.delivered;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.pending.size === 0 || this.stopped) return;
      // A hole closed meanwhile and another opened: it gets its own wait.
      if (this.delivered > this.gapArmedAt) return this.armGapTimer();
      this.read(this.highestPending);
    }, this.opts.gapWaitMs);
    this.gapTimer.unref();
  }

  /** Delivers, from the log, everything up to `through`; one read runs at a time. */
  private read(through: number): void {
    if (this.stopped || through <= this.delivered) return;
    if (this.reading) {
      this.readAgain = Math.max(this.readAgain, through);
      return;
    }
    this.reading = this.readThrough(through)
      .catch(this.onError)
      .finally(() => {
        this.reading = undefined;
        const again = this.readAgain;
        this.readAgain = 0;
        if (again > this.delivered) this.read(again);
        else this.drain();
      });
  }

  private async readThrough(through: number): Promise<void> {
    while (!this.stopped && this.delivered < through) {
      const rows = await this.source.between(this.delivered, through, this.opts.batch);
      if (this.stopped) return;
      const out = rows.filter((e) => e.seq > this.delivered && e.seq <= through);
      // Fewer than a batch: the log holds nothing more up to `through`, holes included.
      const settled = rows.length < this.opts.batch ? through : (out.at(-1)?.seq ?? through);
      this.delivered = settled;
      for (const seq of this.pending.keys()) if (seq <= settled) this.pending.delete(seq);
      if (out.length > 0) this.emit(out);
    }
  }

  private emit(events: readonly DomainEvent[]): void {
    try {
      this.deliver(events);
    } catch (err) {
      this.onError(err);
    }
  }

  private async check(): Promise<void> {
    if (this.reading || this.stopped) return;
    try {
      const latest = await this.source.latestSeq();
      if (!this.linked) {
        this.read(latest);
      } else if (this.watched > this.delivered) {
        // Committed a whole check ago and still not here: its publication was lost.
        this.read(this.watched);
      }
      this.watched = latest;
    } catch (err) {
      this.onError(err);
    }
  }
}
