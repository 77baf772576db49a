import type { DomainEvent, Signal } from '../domain/events.ts';

export interface BusListener {
  /** Durable events, already committed, in seq order. */
  events?(events: readonly DomainEvent[]): void;
  /** Transient signals (never logged). */
  signal?(signal: Signal): void;
}

/**
 * Carries committed events and transient signals to every interested part of every node.
 * Services only publish; the realtime gateway subscribes. A Redis implementation replaces the
 * local one for several nodes without services noticing: events and signals are plain JSON and
 * say who they are for (`audience`), so each node delivers to the matching connections it holds.
 *
 * Contract for implementations: events are published in seq order (the transactor guarantees it
 * for one process) and must reach each subscriber in the order published; the gateway drops any
 * event at or below the seq a connection already has.
 */
export interface Bus {
  publish(events: readonly DomainEvent[]): void;
  signal(signal: Signal): void;
  subscribe(listener: BusListener): () => void;
  close(): Promise<void>;
}

export type ErrorSink = (err: unknown) => void;

/** The subscribers of a bus: each is handed everything, and one failing never stops the others. */
export class BusListeners {
  private readonly listeners = new Set<BusListener>();

  constructor(private readonly onListenerError: ErrorSink = () => undefined) {}

  add(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  events(events: readonly DomainEvent[]): void {
    for (const l of this.listeners) {
      try {
        l.events?.(events);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  signal(signal: Signal): void {
    for (const l of this.listeners) {
      try {
        l.signal?.(signal);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Single-process bus: delivery is synchronous, and one failing listener never stops the others. */
export class LocalBus implements Bus {
  private readonly listeners: BusListeners;

  constructor(onListenerError: ErrorSink = () => undefined) {
    this.listeners = new BusListeners(onListenerError);
  }

  publish(events: readonly DomainEvent[]): void {
    if (events.length > 0) this.listeners.events(events);
  }

  signal(signal: Signal): void {
    this.listeners.signal(signal);
  }

  subscribe(listener: BusListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
