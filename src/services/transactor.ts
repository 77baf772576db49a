import type { DomainEvent, EventType, NewEvent } from '../domain/events.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

export type Emit = <T extends EventType>(event: NewEvent<T>) => void;

/** Told of each transaction's events once they are committed and published (metrics). */
export interface CommitMeter {
  committed(events: readonly DomainEvent[]): void;
}

interface Appended {
  events: DomainEvent[];
  committed: boolean;
}

/**
 * Runs a service operation as one transaction: the events it emits are appended to the event log
 * in that same transaction and published on the bus only after the commit, so a subscriber never
 * sees a change that could still roll back.
 *
 * Publication follows seq order. The event repo makes commit order equal seq order, but the
 * callbacks of two commits on two pooled connections may run in either order; a client that saw
 * seq 6 before seq 5 and then reconnected with `since=6` would lose 5. So each transaction's
 * events wait in `pending` until every transaction of this process that appended lower seqs has
 * committed (or failed). A later transaction cannot even append before an earlier one commits
 * (the append lock), so an entry is always queued before any higher seq can be.
 */
export class Transactor {
  private readonly pending: Appended[] = [];

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly meter?: CommitMeter,
    /**
     * Told of each transaction's events right after its commit, before they may wait in seq
     * order for publication: what only drops state (caches) must not wait for another commit.
     */
    private readonly onCommit?: (events: readonly DomainEvent[]) => void,
  ) {}

  async run<T>(fn: (tx: Store, emit: Emit) => Promise<T>): Promise<T> {
    const emitted: NewEvent[] = [];
    const emit: Emit = (event) => {
      emitted.push(event);
    };
    let entry: Appended | undefined;
    try {
      const result = await this.store.transaction(async (tx) => {
        const value = await fn(tx, emit);
        const events = await tx.events.append(emitted, this.clock.now());
        if (events.length > 0) {
          entry = { events, committed: false };
          this.enqueue(entry);
        }
        return value;
      });
      if (entry) {
        entry.committed = true;
        this.onCommit?.(entry.events);
      }
      return result;
    } catch (err) {
      // Only an entry whose transaction failed leaves the queue: once committed its events are
      // published whatever the commit hook did.
      if (entry && !entry.committed) this.pending.splice(this.pending.indexOf(entry), 1);
      throw err;
    } finally {
      this.flush();
    }
  }

  private enqueue(entry: Appended): void {
    const first = entry.events[0]!.seq;
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.events[0]!.seq > first) i--;
    this.pending.splice(i, 0, entry);
  }

  private flush(): void {
    while (this.pending[0]?.committed) {
      const { events } = this.pending.shift()!;
      this.bus.publish(events);
      this.meter?.committed(events);
    }
  }
}
