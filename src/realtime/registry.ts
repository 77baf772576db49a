import type { DomainEvent, SignalAudience } from '../domain/events.ts';
import type { Member } from '../domain/types.ts';
import type { Connection } from './connection.ts';
import type { MembershipSource } from './membership.ts';

/** A user with connections on this node, and the conversations they are a member of. */
export class UserLink {
  readonly connections = new Set<Connection>();
  readonly conversations = new Set<number>();
  /** Events that arrived while the conversations were loading; null once loaded. */
  pending: DomainEvent[] | null = [];
  ready!: Promise<void>;

  constructor(readonly userId: number) {}
}

/** Who gains or loses membership through an event, if anyone. */
function membershipChange(event: DomainEvent): { conversationId: number; join: number[]; leave: number[] } | undefined {
  switch (event.type) {
    case 'conversation.created': {
      const d = event.data as { conversation: { id: number }; members: Member[] };
      return { conversationId: d.conversation.id, join: d.members.map((m) => m.userId), leave: [] };
    }
    case 'member.added': {
      const d = event.data as { conversationId: number; members: Member[] };
      return { conversationId: d.conversationId, join: d.members.map((m) => m.userId), leave: [] };
    }
    case 'member.removed': {
      const d = event.data as { conversationId: number; userId: number };
      return { conversationId: d.conversationId, join: [], leave: [d.userId] };
    }
    default:
      return undefined;
  }
}

/**
 * The connections on this node, by user and by conversation. A user's conversation ids are loaded
 * when their first connection opens and then kept current from the membership events, which are
 * applied before the event itself is routed: a new member receives the event that added them, a
 * removed member nothing after the one that removed them.
 *
 * Events that arrive while a user's conversations load are queued on the user and replayed
 * through the same steps afterwards: whatever the load missed, the queue holds, and re-applying
 * a membership change the load already saw changes nothing.
 */
export class Registry {
  private readonly users = new Map<number, UserLink>();
  private readonly byConversation = new Map<number, Set<UserLink>>();
  private readonly loading = new Set<UserLink>();

  constructor(
    private readonly membership: MembershipSource,
    /** Hands one event to the connections of one user. */
    private readonly deliver: (link: UserLink, event: DomainEvent) => void,
  ) {}

  /** Connections still open (one closed by the server stays listed until its socket is gone). */
  get connectionCount(): number {
    let n = 0;
    for (const link of this.users.values()) for (const c of link.connections) if (c.open) n++;
    return n;
  }

  /** Connections whose sockets have not finished closing. */
  get listed(): number {
    let n = 0;
    for (const link of this.users.values()) n += link.connections.size;
    return n;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Open connections of a user (the per-user limit counts these). */
  connectionsOf(userId: number): number {
    let n = 0;
    for (const c of this.users.get(userId)?.connections ?? []) if (c.open) n++;
    return n;
  }

  link(userId: number): UserLink | undefined {
    return this.users.get(userId);
  }

  *allConnections(): Iterable<Connection> {
    for (const link of this.users.values()) yield* link.connections;
  }

  /** Adds a connection; the returned link's `ready` settles once its conversations are known. */
  add(conn: Connection): UserLink {
    let link = this.users.get(conn.userId);
    if (!link) {
      link = new UserLink(conn.userId);
      this.users.set(conn.userId, link);
      this.loading.add(link);
      link.ready = this.load(link);
    }
    link.connections.add(conn);
    return link;
  }

  remove(conn: Connection): void {
    const link = this.users.get(conn.userId);
    if (!link?.connections.delete(conn) || link.connections.size > 0) return;
    this.users.delete(conn.userId);
    this.loading.delete(link);
    for (const id of link.conversations) this.unindex(link, id);
  }

  /** Routes a committed event (events come in seq order) to the users who may see it. */
  route(event: DomainEvent): void {
    for (const link of this.loading) link.pending!.push(event);
    const change = membershipChange(event);
    if (change) {
      for (const id of change.join) {
        const link = this.users.get(id);
        if (link && !link.pending) this.join(link, change.conversationId);
      }
      for (const id of change.leave) {
        const link = this.users.get(id);
        if (link && !link.pending) this.leave(link, change.conversationId);
      }
    }
    if (event.audience.kind === 'user') {
      const link = this.users.get(event.audience.id);
      if (link && !link.pending) this.deliver(link, event);
    } else {
      for (const link of this.byConversation.get(event.audience.id) ?? []) this.deliver(link, event);
    }
  }

  /** The connections a transient signal is for (connections still loading miss it). */
  *signalTargets(audience: SignalAudience): Iterable<Connection> {
    switch (audience.kind) {
      case 'user':
        for (const c of this.users.get(audience.id)?.connections ?? []) if (c.id !== audience.exceptConnection) yield c;
        return;
      case 'users':
        for (const id of audience.ids) yield* this.users.get(id)?.connections ?? [];
        return;
      case 'connection':
        for (const c of this.users.get(audience.userId)?.connections ?? []) if (c.id === audience.connectionId) yield c;
        return;
      case 'conversation':
        for (const link of this.byConversation.get(audience.id) ?? []) if (link.userId !== audience.exceptUser) yield* link.connections;
        return;
    }
  }

  private async load(link: UserLink): Promise<void> {
    try {
      const ids = await this.membership.conversationIdsOf(link.userId);
      if (this.users.get(link.userId) !== link) return;
      for (const id of ids) this.join(link, id);
    } finally {
      this.loading.delete(link);
    }
    const pending = link.pending!;
    link.pending = null;
    for (const event of pending) {
      const change = membershipChange(event);
      if (change?.join.includes(link.userId)) this.join(link, change.conversationId);
      if (change?.leave.includes(link.userId)) this.leave(link, change.conversationId);
      const a = event.audience;
      if (a.kind === 'user' ? a.id === link.userId : link.conversations.has(a.id)) this.deliver(link, event);
    }
  }

  private join(link: UserLink, conversationId: number): void {
    link.conversations.add(conversationId);
    let set = this.byConversation.get(conversationId);
    if (!set) this.byConversation.set(conversationId, (set = new Set()));
    set.add(link);
  }

  private leave(link: UserLink, conversationId: number): void {
    link.conversations.delete(conversationId);
    this.unindex(link, conversationId);
  }

  private unindex(link: UserLink, conversationId: number): void {
    const set = this.byConversation.get(conversationId);
    if (!set) return;
    set.delete(link);
    if (set.size === 0) this.byConversation.delete(conversationId);
  }
}
