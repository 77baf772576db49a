import type { DomainEvent, Signal } from '../domain/events.ts';
import { BusListeners, type Bus, type BusListener, type ErrorSink } from './bus.ts';
import { defaultSequencerOptions, Sequencer, type EventSource, type SequencerOptions } from './sequencer.ts';

/**
 * The bus of a node without Redis. Its own events reach its listeners at once, in the order
 * committed, as on a bus local to the process. What other processes commit to the same database
 * (the CLI's moderation commands: a message deleted, a user removed) is read from the event log
 * within a check interval, so open sockets hear of it without reconnecting.
 *
 * That is the sequencer's unlinked mode: nothing arrives from other nodes live, so each check
 * reads whatever the log holds beyond what was delivered. Between commands that costs one
 * `max(seq)` query per interval. The Redis bus of several nodes builds on it.
 */
export class SingleNodeBus implements Bus {
  protected readonly listeners: BusListeners;
  protected readonly sequencer: Sequencer;

  constructor(source: EventSource, onError: ErrorSink, options: SequencerOptions = defaultSequencerOptions) {
    this.listeners = new BusListeners(onError);
    this.sequencer = new Sequencer(source, (events) => this.listeners.events(events), options, onError);
  }

  /** Starts after the current head of the log; before it, nothing may be published. */
  start(): Promise<void> {
    return this.sequencer.start();
  }

  /** The highest seq delivered to the listeners. */
  get position(): number {
    return this.sequencer.position;
  }

  publish(events: readonly DomainEvent[]): void {
    if (events.length > 0) this.sequencer.offer(events);
  }

  /** Signals stay in this process; another process's reach the node through the database marks. */
  signal(signal: Signal): void {
    this.listeners.signal(signal);
  }

  subscribe(listener: BusListener): () => void {
    return this.listeners.add(listener);
  }

  /** Delivers everything committed so far (tests and shutdown use it to settle). */
  catchUp(): Promise<void> {
    return this.sequencer.catchUp();
  }

  async close(): Promise<void> {
    this.sequencer.stop();
    this.listeners.clear();
  }
}
