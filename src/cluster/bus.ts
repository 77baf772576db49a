import type { DomainEvent, Signal } from '../domain/events.ts';
import { BusListeners, type Bus, type BusListener, type ErrorSink } from '../realtime/bus.ts';
import { defaultSequencerOptions, Sequencer, type EventSource, type SequencerOptions } from '../realtime/sequencer.ts';
import type { RedisLink } from './redis.ts';

/** What goes over the channel: the sending node, and its events or one signal. */
type Message = { n: string; e: DomainEvent[] } | { n: string; s: Signal };

const CHANNEL = 'bus';

/**
 * The bus of a node among several: events and signals published here reach this node's listeners
 * at once and the other nodes through one Redis pub/sub channel; what the other nodes publish
 * comes back the same way.
 *
 * Events pass through a sequencer, so this node's listeners get every event once, in seq order,
 * whichever node committed it and however pub/sub interleaved, delayed or lost it; the event log
 * fills whatever pub/sub did not bring (see Sequencer). Signals are transient: they go out best
 * effort and are simply lost for other nodes while Redis is away.
 *
 * Every node receives every event and keeps those its connections need, which is right for a
 * handful of nodes; more would call for channels per audience.
 */
export class RedisBus implements Bus {
  private readonly listeners: BusListeners;
  private readonly sequencer: Sequencer;
  private lost = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly nodeId: string,
    source: EventSource,
    private readonly onError: ErrorSink,
    options: SequencerOptions = defaultSequencerOptions,
  ) {
    this.listeners = new BusListeners(onError);
    this.sequencer = new Sequencer(source, (events) => this.listeners.events(events), options, onError);
    link.listen(CHANNEL, (text) => this.receive(text));
    link.onUp(() => this.sequencer.setLinked(true));
    link.onDown(() => this.sequencer.setLinked(false));
  }

  /** Starts after the current head of the log (before the link comes up). */
  async start(): Promise<void> {
    await this.sequencer.start();
    if (this.link.subscribed) this.sequencer.setLinked(true);
  }

  /** The highest seq this node has delivered. */
  get position(): number {
    return this.sequencer.position;
  }

  /** How many publications could not be sent (Redis away); other nodes read those from the log. */
  get unsent(): number {
    return this.lost;
  }

  publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return;
    this.sequencer.offer(events);
    this.send({ n: this.nodeId, e: [...events] });
  }

  signal(signal: Signal): void {
    this.listeners.signal(signal);
    this.send({ n: this.nodeId, s: signal });
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

  private send(message: Message): void {
    this.link.publish(CHANNEL, JSON.stringify(message)).catch(() => {
      this.lost++;
    });
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as Message;
    if (message.n === this.nodeId) return;
    if ('e' in message) this.sequencer.offer(message.e);
    else this.listeners.signal(message.s);
  }
}
