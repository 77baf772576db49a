import type { AnyEvent, DomainEvent } from '../domain/events.ts';
import type { Conversation, UserSummary } from '../domain/types.ts';
import type { Store } from '../store/store.ts';
import { GuardedCache } from './guarded-cache.ts';

/** What a send needs of its conversation: none of it ever changes after creation. */
export type SendTarget = Pick<Conversation, 'id' | 'type' | 'pairKey'>;

export interface SendFactsLimits {
  memberships: number;
  blocks: number;
  summaries: number;
  scheduledClientIds: number;
}

/** About 200 bytes an entry: some 28 MB at most, whatever the number of users. A limit of 0 keeps nothing. */
export const defaultSendFactsLimits: SendFactsLimits = { memberships: 50_000, blocks: 50_000, summaries: 20_000, scheduledClientIds: 20_000 };

/**
 * The facts every send reads and almost never sees change, kept in memory: that the sender is a
 * member of the chat, whether the other member of a private chat blocked them, the sender's
 * summary, and whether any of their pending scheduled sends has a client id. The rules stay with
 * their services (the loads are `requireMember` and the repos' queries); this only remembers
 * their answers.
 *
 * Each fact is dropped by the committed events that change it (`apply`), which reach it twice:
 * from this node's transactor as soon as the change commits (before the request that made it is
 * answered), and from the bus for changes committed by other nodes or by the command line. Only
 * positive memberships are kept, so a stale entry can only ever be a removal not yet heard of;
 * a removal drops it. Nothing is kept across restarts.
 */
export class SendFacts {
  private readonly memberships: GuardedCache<string, SendTarget>;
  private readonly blocks: GuardedCache<string, boolean>;
  private readonly summaries: GuardedCache<number, UserSummary | null>;
  private readonly scheduledClientIds: GuardedCache<number, boolean>;

  constructor(
    private readonly store: Store,
    limits: SendFactsLimits = defaultSendFactsLimits,
  ) {
    this.memberships = new GuardedCache(limits.memberships);
    this.blocks = new GuardedCache(limits.blocks);
    this.summaries = new GuardedCache(limits.summaries);
    this.scheduledClientIds = new GuardedCache(limits.scheduledClientIds);
  }

  /** The conversation, if the user is a member; `load` (which throws for outsiders) otherwise. */
  membership(conversationId: number, userId: number, load: () => Promise<{ conversation: Conversation }>): Promise<SendTarget> {
    return this.memberships.get(`${conversationId}:${userId}`, async () => {
      const { conversation } = await load();
      return { id: conversation.id, type: conversation.type, pairKey: conversation.pairKey };
    });
  }

  /** Whether `ownerId`, the other member of private chat `conversationId`, blocked `userId`. */
  blocked(ownerId: number, userId: number, conversationId: number): Promise<boolean> {
    return this.blocks.get(`${ownerId}:${userId}`, () => this.store.conversations.blockedByOther(conversationId, userId));
  }

  summary(userId: number): Promise<UserSummary | null> {
    return this.summaries.get(userId, async () => (await this.store.users.summaries([userId])).get(userId) ?? null);
  }

  /**
   * Whether a pending scheduled send of the user carries a client id: only then may a send's
   * client id name something the messages' unique index does not see.
   */
  schedulesClientIds(userId: number): Promise<boolean> {
    return this.scheduledClientIds.get(userId, () => this.store.scheduled.anyWithClientId(userId));
  }

  /** Drops what the events changed. Idempotent: the same event may come from the transactor and the bus. */
  apply(events: readonly DomainEvent[]): void {
    for (const e of events as readonly AnyEvent[]) {
      switch (e.type) {
        case 'member.removed':
          // Also how a deleted conversation and a deleted user's places are announced.
          this.memberships.invalidate(`${e.data.conversationId}:${e.data.userId}`);
          break;
        case 'contact.added':
        case 'contact.updated':
          this.blocks.invalidate(`${e.data.contact.ownerId}:${e.data.contact.contactUserId}`);
          break;
        case 'contact.removed':
          this.blocks.invalidate(`${e.data.ownerId}:${e.data.contactUserId}`);
          break;
        case 'user.updated':
          this.summaries.invalidate(e.data.user.id);
          break;
        case 'message.scheduled':
        case 'message.unscheduled':
          // Told to the sender alone.
          this.scheduledClientIds.invalidate(e.audience.id);
          break;
      }
    }
  }
}
