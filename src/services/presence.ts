import type { PresenceState } from '../domain/events.ts';
import { userSummary, type User } from '../domain/types.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Seen } from '../store/repos/users.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

/**
 * Who is connected right now. The realtime gateway reports connections opening and closing; the
 * user service reads it to fill `online`. With several nodes the count is shared through Redis
 * (src/cluster/presence.ts).
 */
export interface Presence {
  isOnline(userId: number): boolean;
}

/** What the cluster tells this node's presence service. */
export interface PresenceClusterHooks {
  /** This node's connections per user, for writing the whole state again. */
  counts(): Iterable<[number, number]>;
  /** Users who went offline everywhere without this node seeing a disconnect (a node died). */
  wentOffline(userIds: number[]): void;
  /** Users of this node who came online again when it rejoined after being counted dead. */
  cameOnline(userIds: number[]): void;
  /** A node was counted dead: the calls its connections held are over. */
  nodeDied(nodeId: string): void;
}

/** Ends what a node's connections held when the cluster counts the node dead (CallService). */
export interface NodeCalls {
  /** Runs in the background; failures are the callee's to report. */
  endCallsOf(nodeId: string): void;
}

/** Presence shared by several nodes (Redis); absent on a single node. */
export interface PresenceCluster {
  /** Whether the user has a connection on any node, as this node last heard. */
  isOnline(userId: number): boolean;
  /**
   * Records how many connections the user has on this node now; resolves to whether the user is
   * online anywhere afterwards (undefined when the cluster could not be reached).
   */
  record(userId: number, count: number): Promise<boolean | undefined>;
  /** Sets what the user's watchers are told (null: offline); false when that is what they were last told. */
  swapShown(userId: number, shown: string | null): Promise<boolean>;
  /** The user's open connections on the other nodes. */
  elsewhere(userId: number): Promise<number>;
  start(hooks: PresenceClusterHooks): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Presence: a user is online from their first open connection (on any node) to their last, and
 * is shown online only if they have not chosen to appear offline. Each change of what others see
 * is sent as a `presence` signal to the people who have the user as a contact and to everyone who
 * shares a conversation with them. `last_seen_at` is written when a user comes and goes (not
 * while they appear offline: that would tell watchers they are around).
 *
 * Counting this node's connections is synchronous, so REST `online` agrees with the socket the
 * moment it is open. The cluster writes, database work and announcements run one at a time per
 * user, each computing the state current when it runs, so a quick disconnect/reconnect announces
 * nothing instead of flapping. What watchers were last told is compared before each announcement
 * (in Redis with several nodes, so that one node announces a change and no other repeats it).
 */
export class PresenceService implements Presence {
  /** This node's open connections per user. */
  private readonly connections = new Map<number, number>();
  /** The status chosen by each user connected here, as last read or updated. */
  private readonly chosen = new Map<number, Seen>();
  /** On a single node: what watchers were last told, for users shown online. */
  private readonly shown = new Map<number, string>();
  private readonly queues = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly nodeCalls: NodeCalls,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly cluster?: PresenceCluster,
  ) {
    bus.subscribe({
      events: (events) => {
        for (const e of events) if (e.type === 'user.updated') this.statusChanged((e.data as { user: User }).user);
      },
    });
  }

  /** Joins the cluster, if any (before the node accepts connections). */
  async start(): Promise<void> {
    await this.cluster?.start({
      counts: () => this.connections.entries(),
      wentOffline: (ids) => {
        for (const id of ids) this.enqueue(id, () => this.sync(id, false));
      },
      cameOnline: (ids) => {
        for (const id of ids) this.enqueue(id, () => this.announce(id));
      },
      nodeDied: (nodeId) => this.nodeCalls.endCallsOf(nodeId),
    });
  }

  async stop(): Promise<void> {
    await this.idle();
    await this.cluster?.stop();
  }

  isOnline(userId: number): boolean {
    return this.here(userId) > 0 || (this.cluster?.isOnline(userId) ?? false);
  }

  /** Open connections of the user on the other nodes (for the per-user connection limit). */
  connectionsElsewhere(userId: number): Promise<number> {
    return this.cluster?.elsewhere(userId) ?? Promise.resolve(0);
  }

  /** A connection of the user opened on this node. */
  connected(userId: number): void {
    const n = this.here(userId) + 1;
    this.connections.set(userId, n);
    this.enqueue(userId, () => this.recorded(userId, n === 1));
  }

  /** A connection of the user closed on this node. */
  disconnected(userId: number): void {
    const n = this.here(userId) - 1;
    if (n > 0) this.connections.set(userId, n);
    else this.connections.delete(userId);
    this.enqueue(userId, () => this.recorded(userId, n <= 0));
  }

  /**
   * The user changed their status or status message (any node): tell watchers if it shows. A user
   * connected nowhere is announced too when their availability changed (chat8 shows it); the
   * comparison with what watchers were last told keeps nodes from repeating one another.
   */
  statusChanged(user: User): void {
    const seen: Seen = {
      user: userSummary(user),
      status: user.status,
      statusMessage: user.statusMessage,
      lastSeenAt: user.lastSeenAt,
      availability: user.availability,
    };
    if (this.here(user.id) > 0) this.chosen.set(user.id, seen);
    this.enqueue(user.id, async () => this.announce(user.id, seen));
  }

  /** Resolves once every pending presence write and announcement has run (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private here(userId: number): number {
    return this.connections.get(userId) ?? 0;
  }

  private enqueue(userId: number, task: () => Promise<void>): void {
    const next = (this.queues.get(userId) ?? Promise.resolve()).then(task).catch(this.onError);
    this.queues.set(userId, next);
    void next.then(() => {
      if (this.queues.get(userId) === next) this.queues.delete(userId);
    });
  }

  /** Writes this node's count to the cluster; a coming or going here is then recorded and announced. */
  private async recorded(userId: number, cameOrWent: boolean): Promise<void> {
    const anywhere = await this.cluster?.record(userId, this.here(userId));
    if (cameOrWent) await this.sync(userId, anywhere);
  }

  /** Records a coming or going and announces the resulting state. */
  private async sync(userId: number, anywhere?: boolean): Promise<void> {
    const connected = this.here(userId) > 0 || (anywhere ?? false);
    const seen = await this.store.users.markSeen(userId, this.clock.now(), connected);
    if (!seen) return;
    if (this.here(userId) > 0) this.chosen.set(userId, seen);
    else this.chosen.delete(userId);
    await this.announce(userId, seen, anywhere);
  }

  /** `anywhere`: whether the user is connected on some node, when just learnt from the cluster. */
  private async announce(userId: number, fallback?: Seen, anywhere?: boolean): Promise<void> {
    const chosen = (this.here(userId) > 0 && this.chosen.get(userId)) || fallback;
    if (!chosen) return;
    const connected = this.here(userId) > 0 || (anywhere ?? this.isOnline(userId));
    const online = connected && chosen.status !== 'offline';
    const state: PresenceState = {
      userId,
      online,
      status: online ? chosen.status : 'offline',
      statusMessage: chosen.statusMessage,
      lastSeenAt: chosen.lastSeenAt,
      availability: chosen.availability,
    };
    const shown = online
      ? JSON.stringify([state.status, state.statusMessage, state.availability])
      : state.availability !== 'offline'
        ? JSON.stringify(['offline', state.availability])
        : null;
    if (!(await this.swapShown(userId, shown))) return;
    const { friends, watchers, others, peers } = await this.audience(userId);
    const at = this.clock.now();
    // Each group is told twice at most: those who share a conversation with the user, then the rest.
    const tell = (ids: number[], friends: boolean, watching: boolean) => {
      for (const sharesConversation of [true, false]) {
        const group = ids.filter((id) => peers.has(id) === sharesConversation);
        if (group.length > 0) {
          this.bus.signal({ type: 'presence', audience: { kind: 'users', ids: group }, data: { ...state, user: chosen.user, at, friends, watching, sharesConversation } });
        }
      }
    };
    tell(friends, true, true);
    tell(watchers, false, true);
    tell(others, false, false);
  }

  private async swapShown(userId: number, shown: string | null): Promise<boolean> {
    if (this.cluster) return this.cluster.swapShown(userId, shown);
    if ((this.shown.get(userId) ?? null) === shown) return false;
    if (shown === null) this.shown.delete(userId);
    else this.shown.set(userId, shown);
    return true;
  }

  /**
   * Contacts who watch the user, and everyone sharing a conversation with them: the user's
   * friends (watchers the user has as contacts too), the other watchers (who have the user as a
   * contact), and those who only share a conversation.
   */
  private async audience(userId: number): Promise<{ friends: number[]; watchers: number[]; others: number[]; peers: Set<number> }> {
    const [watchers, peers] = await Promise.all([this.store.contacts.watchersOf(userId), this.store.conversations.peersOf(userId)]);
    const mutual = await this.store.contacts.contactsAmong(userId, watchers);
    const watching = new Set(watchers);
    const all = [...new Set([...watchers, ...peers])];
    return {
      friends: all.filter((id) => mutual.has(id)),
      watchers: all.filter((id) => !mutual.has(id) && watching.has(id)),
      others: all.filter((id) => !watching.has(id)),
      peers: new Set(peers),
    };
  }
}
