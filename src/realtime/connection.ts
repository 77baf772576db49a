import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { RateRule } from '../config.ts';
import type { DomainEvent } from '../domain/events.ts';
import type { EventLog } from '../services/event-log.ts';
import type { ProfileCodec } from './codec.ts';

/** Close codes the gateway uses beyond the standard ones (1001 going away, 1009 too big, 1011 error). */
export const CloseCode = {
  goingAway: 1001,
  policy: 1008,
  internalError: 1011,
  /** The session was logged out or revoked: do not reconnect with this token. */
  sessionEnded: 4401,
  /** The client read too slowly and its outgoing buffer filled: reconnect with `since`. */
  tooSlow: 4408,
} as const;

export interface ConnectionLimits {
  /** Outgoing bytes queued before the connection is closed as too slow. */
  bufferLimit: number;
  frameRate: RateRule | null;
}

/** Told of each message written live to the connection (metrics), with the time it was stored. */
export interface DeliveryMeter {
  delivered(storedAt: number): void;
}

/** What a connection is told besides its limits: for logs and metrics. */
export interface ConnectionInfo {
  /** The client's address, as the REST requests of the same client are logged with. */
  address?: string;
  meter?: DeliveryMeter;
}

/** An encoded frame: text, or its UTF-8 bytes when one encoding is shared by many connections. */
export type Wire = string | Buffer;

/** Events and signals that arrived while the connection was not live yet, in arrival order. */
type Held = { event: DomainEvent } | { frame: Wire };

const TEXT = { binary: false } as const;

/** Enough for any burst during a replay page; beyond it the replay simply reads further. */
const HELD_LIMIT = 10_000;
const REPLAY_PAGE = 500;
/** How long a connection closed as too slow may take to say goodbye before it is cut. */
const SLOW_CLOSE_GRACE_MS = 2000;

/**
 * One open WebSocket. It is `live` once it has sent its connect frame and caught up: durable
 * events go out in seq order, each at most once (anything at or below `lastSeq` is dropped). While
 * `starting` or `replaying` it holds what arrives; the replay then reads the log up to the
 * present and the held items follow, so the seam has no gap and no duplicate.
 */
export class Connection {
  phase: 'starting' | 'replaying' | 'live' | 'closed' = 'starting';
  /** Highest durable seq delivered (or deliberately skipped) on this connection. */
  lastSeq = 0;
  /** Answered the last heartbeat (or said anything since). */
  alive = true;
  /** Took part in a call; its closing must end the calls it holds. */
  inCall = false;
  /** Client frames that arrived before the connect frame went out; answered right after it. */
  early: { data: RawData; isBinary: boolean }[] | null = [];
  private held: Held[] = [];
  private heldOverflow = false;
  private corked = false;
  private windowStart = 0;
  private windowCount = 0;
  /** When the socket opened (epoch ms). */
  readonly openedAt = Date.now();

  constructor(
    readonly id: string,
    readonly userId: number,
    readonly sessionId: string,
    readonly codec: ProfileCodec,
    private readonly ws: WebSocket,
    private readonly limits: ConnectionLimits,
    /** The TCP (or TLS) stream under the WebSocket, corked while a burst of frames is written. */
    private readonly transport?: Pick<Duplex, 'cork' | 'uncork'>,
    readonly info: ConnectionInfo = {},
  ) {}

  get open(): boolean {
    return this.phase !== 'closed';
  }

  /** A durable event for this connection; `frames` encodes it (cached across connections). */
  deliverEvent(event: DomainEvent, frames: () => readonly Wire[]): void {
    if (this.phase === 'live') {
      if (event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
      let sent = false;
      for (const f of frames()) sent = this.send(f) || sent;
      if (sent && event.type === 'message.created') this.info.meter?.delivered(event.at);
    } else if (this.phase !== 'closed') {
      this.hold({ event });
    }
  }

  deliverSignal(frame: Wire): void {
    if (this.phase === 'live') this.send(frame);
    else if (this.phase !== 'closed') this.hold({ frame });
  }

  /**
   * Sends a frame now, unless the client has left more than the buffer limit unread: then the
   * connection is closed (4408) so memory stays bounded, and the client resumes from its last seq.
   * An empty buffer always takes one frame, however large, so no event can block a client forever.
   */
  send(frame: Wire): boolean {
    if (this.phase === 'closed') return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && buffered + frame.length > this.limits.bufferLimit) {
      this.close(CloseCode.tooSlow, 'too slow: reconnect with since=<last seq>');
      return false;
    }
    try {
      this.corkUntilNextTick();
      this.ws.send(frame, TEXT);
      return true;
    } catch {
      this.terminate();
      return false;
    }
  }

  /**
   * A group commit publishes a whole batch of events in one go, and acknowledgements follow in the
   * same turn of the event loop; corked, the frames of that burst leave in one write instead of
   * one system call each.
   */
  private corkUntilNextTick(): void {
    const transport = this.transport;
    if (this.corked || !transport) return;
    this.corked = true;
    transport.cork();
    process.nextTick(() => {
      this.corked = false;
      transport.uncork();
    });
  }

  /**
   * Replays the log after `since` and goes live. Without `since` (a plain connect), only what was
   * held meanwhile is sent, unless so much was held that the replay from `latestSeq` is needed.
   */
  async catchUp(log: EventLog, since: number | null, latestSeq: number, now: () => number): Promise<void> {
    if (since === null) {
      if (this.heldOverflow) return this.catchUp(log, latestSeq, latestSeq, now);
      return this.goLive();
    }
    const check = await log.checkReplay(since);
    if (!check.ok) {
      this.send(this.codec.refetch({ reason: check.reason, since, seq: check.latest, at: now() }));
      this.lastSeq = check.latest;
      return this.goLive();
    }
    this.lastSeq = since;
    let count = 0;
    for (;;) {
      const page = await log.forUser(this.userId, this.lastSeq, REPLAY_PAGE);
      for (const event of page) {
        if (this.phase === 'closed') return;
        if (event.seq <= this.lastSeq) continue;
        this.lastSeq = event.seq;
        for (const frame of this.codec.event(event)) {
          if (await this.sendPaced(frame)) count++;
        }
      }
      if (this.phase === 'closed') return;
      if (page.length === REPLAY_PAGE) continue;
      if (!this.heldOverflow) break;
      // Too much arrived during the replay to hold: everything held is in the log, read on.
      this.heldOverflow = false;
      this.held = this.held.filter((h) => !('event' in h));
    }
    const resumed = this.codec.resumed({ since, seq: this.lastSeq, count, at: now() });
    if (resumed !== null) this.send(resumed);
    this.goLive();
  }

  /** Starts holding live traffic for a replay requested mid-connection; false if one is running. */
  beginReplay(): boolean {
    if (this.phase !== 'live') return false;
    this.phase = 'replaying';
    return true;
  }

  private hold(item: Held): void {
    if (this.held.length >= HELD_LIMIT) {
      // Events are in the log and the replay will read them; signals are transient and dropped.
      this.heldOverflow = true;
      this.held = this.held.filter((h) => !('event' in h));
      if (this.held.length >= HELD_LIMIT) this.held.shift();
      if ('event' in item) return;
    }
    this.held.push(item);
  }

  /** Counts an incoming frame; false when it exceeds the connection's frame rate. */
  admitFrame(now: number): boolean {
    const rule = this.limits.frameRate;
    if (!rule) return true;
    if (now - this.windowStart >= rule.windowMs) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount <= rule.limit;
  }

  ping(): void {
    try {
      this.ws.ping();
    } catch {
      this.terminate();
    }
  }

  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.held = [];
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
      return;
    }
    // A client that stopped reading never completes the closing handshake.
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  terminate(): void {
    this.phase = 'closed';
    this.held = [];
    this.ws.terminate();
  }

  private goLive(): void {
    if (this.phase === 'closed') return;
    const held = this.held;
    this.held = [];
    this.phase = 'live';
    for (const h of held) {
      if ('frame' in h) this.send(h.frame);
      else this.deliverEvent(h.event, () => this.codec.event(h.event));
    }
  }

  /** Sends during a replay, waiting for the socket to drain rather than overflowing the buffer. */
  private async sendPaced(frame: Wire): Promise<boolean> {
    if (this.ws.bufferedAmount + frame.length <= this.limits.bufferLimit / 2) return this.send(frame);
    return new Promise((resolve) => {
      try {
        this.ws.send(frame, TEXT, (err) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }
}
