import type { PresenceState } from '../domain/events.ts';
import type { User, UserStatus } from '../domain/types.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

/**
 * Who is connected right now. The realtime gateway reports connections opening and closing; the
 * user service reads it to fill `online`. Kept behind an interface so a cluster can keep it in
 * Redis with expiring keys.
 */
export interface Presence {
  isOnline(userId: number): boolean;
}

interface Chosen {
  status: UserStatus;
  statusMessage: string;
  lastSeenAt: number | null;
}

/**
 * Presence on this node: a user is online from their first open connection to their last, and is
 * shown online only if they have not chosen to appear offline. Each change of what others see is
 * sent as a `presence` signal to the people who have the user as a contact and to everyone who
 * shares a conversation with them. `last_seen_at` is written when a user comes and goes (not
 * while they appear offline: that would tell watchers they are around).
 *
 * Connection counting is synchronous, so REST `online` agrees with the socket the moment it is
 * open. The database work and announcements run one at a time per user, each computing the state
 * current when it runs, so a quick disconnect/reconnect announces nothing instead of flapping.
 */
export class PresenceService implements Presence {
  private readonly connections = new Map<number, number>();
  /** The status chosen by each online user, as last read or updated. */
  private readonly chosen = new Map<number, Chosen>();
  /** What watchers were last told, for users currently shown online (absent: offline). */
  private readonly announced = new Map<number, PresenceState>();
  private readonly queues = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    bus.subscribe({
      events: (events) => {
        for (const e of events) if (e.type === 'user.updated') this.statusChanged((e.data as { user: User }).user);
      },
    });
  }

  isOnline(userId: number): boolean {
    return (this.connections.get(userId) ?? 0) > 0;
  }

  /** A connection of the user opened on this node. */
  connected(userId: number): void {
    const n = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, n);
    if (n === 1) this.enqueue(userId, () => this.sync(userId));
  }

  /** A connection of the user closed on this node. */
  disconnected(userId: number): void {
    const n = (this.connections.get(userId) ?? 0) - 1;
    if (n > 0) {
      this.connections.set(userId, n);
      return;
    }
    this.connections.delete(userId);
    this.enqueue(userId, () => this.sync(userId));
  }

  /** The user changed their status or status message (any node): tell watchers if it shows. */
  statusChanged(user: User): void {
    if (!this.isOnline(user.id)) return;
    this.chosen.set(user.id, { status: user.status, statusMessage: user.statusMessage, lastSeenAt: user.lastSeenAt });
    this.enqueue(user.id, async () => this.announce(user.id));
  }

  /** Resolves once every pending presence write and announcement has run (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private enqueue(userId: number, task: () => Promise<void>): void {
    const next = (this.queues.get(userId) ?? Promise.resolve()).then(task).catch(this.onError);
    this.queues.set(userId, next);
    void next.then(() => {
      if (this.queues.get(userId) === next) this.queues.delete(userId);
    });
  }

  /** Records a coming or going and announces the resulting state. */
  private async sync(userId: number): Promise<void> {
    const seen = await this.store.users.markSeen(userId, this.clock.now());
    if (!seen) return;
    if (this.isOnline(userId)) this.chosen.set(userId, seen);
    else this.chosen.delete(userId);
    await this.announce(userId, seen);
  }

  private async announce(userId: number, fallback?: Chosen): Promise<void> {
    const chosen = this.chosen.get(userId) ?? fallback;
    if (!chosen) return;
    const online = this.isOnline(userId) && chosen.status !== 'offline';
    const state: PresenceState = {
      userId,
      online,
      status: online ? chosen.status : 'offline',
      statusMessage: chosen.statusMessage,
      lastSeenAt: chosen.lastSeenAt,
    };
    const before = this.announced.get(userId);
    const unchanged = before
      ? before.status === state.status && before.statusMessage === state.statusMessage
      : !state.online;
    if (unchanged) return;
    if (state.online) this.announced.set(userId, state);
    else this.announced.delete(userId);
    const ids = await this.audience(userId);
    if (ids.length > 0) this.bus.signal({ type: 'presence', audience: { kind: 'users', ids }, data: { ...state, at: this.clock.now() } });
  }

  /** Contacts who watch the user, and everyone sharing a conversation with them. */
  private async audience(userId: number): Promise<number[]> {
    const [watchers, peers] = await Promise.all([this.store.contacts.watchersOf(userId), this.store.conversations.peersOf(userId)]);
    return [...new Set([...watchers, ...peers])];
  }
}
