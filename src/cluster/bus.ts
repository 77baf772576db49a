import type { DomainEvent, Signal } from '../domain/events.ts';
import type { ErrorSink } from '../realtime/bus.ts';
import { defaultSequencerOptions, type EventSource, type SequencerOptions } from '../realtime/sequencer.ts';
import { SingleNodeBus } from '../realtime/single-node-bus.ts';
import type { RedisLink } from './redis.ts';

/** What goes over the channel: the sending node, and its events or one signal. */
type Message = { n: string; e: DomainEvent[] } | { n: string; s: Signal };

const CHANNEL = 'bus';
/** Events per pub/sub message, at most. */
const EVENTS_PER_MESSAGE = 1000;

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
export class RedisBus extends SingleNodeBus {
  private lost = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly nodeId: string,
    source: EventSource,
    onError: ErrorSink,
    options: SequencerOptions = defaultSequencerOptions,
  ) {
    super(source, onError, options);
    link.listen(CHANNEL, (text) => this.receive(text));
    link.onUp(() => this.sequencer.setLinked(true));
    link.onDown(() => this.sequencer.setLinked(false));
  }

  /** Starts after the current head of the log (before the link comes up). */
  override async start(): Promise<void> {
    await super.start();
    if (this.link.subscribed) this.sequencer.setLinked(true);
  }

  /** How many publications could not be sent (Redis away); other nodes read those from the log. */
  get unsent(): number {
    return this.lost;
  }

  override publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return;
    super.publish(events);
    // One commit can carry thousands of events (a user's deletion): one message of tens of MB
    // would overrun Redis's output buffer for subscribers and cut every node's subscription.
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) this.send({ n: this.nodeId, e: events.slice(i, i + EVENTS_PER_MESSAGE) });
  }

  override signal(signal: Signal): void {
    super.signal(signal);
    this.send({ n: this.nodeId, s: signal });
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
