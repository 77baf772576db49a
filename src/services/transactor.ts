import type { DomainEvent, EventType, NewEvent } from '../domain/events.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

export type Emit = <T extends EventType>(event: NewEvent<T>) => void;

/**
 * Runs a service operation as one transaction: the events it emits are appended to the event log
 * in that same transaction and published on the bus only after the commit, so a subscriber never
 * sees a change that could still roll back.
 */
export class Transactor {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {}

  async run<T>(fn: (tx: Store, emit: Emit) => Promise<T>): Promise<T> {
    const pending: NewEvent[] = [];
    const emit: Emit = (event) => {
      pending.push(event);
    };
    let appended: DomainEvent[] = [];
    const result = await this.store.transaction(async (tx) => {
      const value = await fn(tx, emit);
      appended = await tx.events.append(pending, this.clock.now());
      return value;
    });
    this.bus.publish(appended);
    return result;
  }
}
