import { sql, type Kysely, type Selectable } from 'kysely';
import type { MessageDraft, ScheduledMessage } from '../../domain/types.ts';
import type { Dialect } from '../dialect.ts';
import { guardUnique } from '../errors.ts';
import type { Database, ScheduledMessagesTable } from '../schema.ts';

function toScheduled(row: Selectable<ScheduledMessagesTable>): ScheduledMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    sendAt: row.send_at,
    clientId: row.client_id,
    draft: JSON.parse(row.payload) as MessageDraft,
    createdAt: row.created_at,
  };
}

/** A due row handed to one node until `claimedUntil`. */
export interface ClaimedScheduled {
  scheduled: ScheduledMessage;
  claimedUntil: number;
}

/**
 * Scheduled sends wait here, not in `messages`, so nobody else can see them and the message they
 * become gets an id in delivery order. Rows are claimed with a lease: a node that dies mid-way
 * leaves its claim to expire and another node (or the restarted one) takes the row over.
 */
export class ScheduledMessageRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Throws UniqueConflict ('scheduled_messages.client_id') when the sender used this client id already. */
  async insert(s: { conversationId: number; senderId: number; draft: MessageDraft; clientId: string | null; sendAt: number; at: number }): Promise<ScheduledMessage> {
    const row = await guardUnique(
      this.db
        .insertInto('scheduled_messages')
        .values({
          conversation_id: s.conversationId,
          sender_id: s.senderId,
          payload: JSON.stringify(s.draft),
          client_id: s.clientId,
          send_at: s.sendAt,
          created_at: s.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toScheduled(row);
  }

  async byId(id: number): Promise<ScheduledMessage | undefined> {
    const row = await this.db.selectFrom('scheduled_messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toScheduled(row);
  }

  async byClientId(senderId: number, clientId: string): Promise<ScheduledMessage | undefined> {
    const row = await this.db
      .selectFrom('scheduled_messages')
      .selectAll()
      .where('sender_id', '=', senderId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && toScheduled(row);
  }

  /** Whether any pending send of this sender carries a client id. */
  async anyWithClientId(senderId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('scheduled_messages')
      .select('id')
      .where('sender_id', '=', senderId)
      .where('client_id', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A sender's pending sends in one conversation, soonest first. */
  async pending(conversationId: number, senderId: number): Promise<ScheduledMessage[]> {
    const rows = await this.db
      .selectFrom('scheduled_messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('sender_id', '=', senderId)
      .orderBy('send_at')
      .orderBy('id')
      .execute();
    return rows.map(toScheduled);
  }

  /** Removes a pending send of this sender; undefined when there is none (or it is being sent). */
  async cancel(id: number, senderId: number, now: number): Promise<ScheduledMessage | undefined> {
    const row = await this.db
      .deleteFrom('scheduled_messages')
      .where('id', '=', id)
      .where('sender_id', '=', senderId)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row && toScheduled(row);
  }

  /**
   * Claims up to `limit` due rows until `leaseUntil`. On PostgreSQL the candidates are locked with
   * SKIP LOCKED so concurrent nodes take different rows; the repeated conditions on the outer
   * UPDATE are re-checked against the latest row version, so a row is never claimed twice.
   * SQLite has a single writer.
   */
  async claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedScheduled[]> {
    const rows = await this.db
      .updateTable('scheduled_messages')
      .set({ claimed_until: leaseUntil })
      .where('id', 'in', (eb) => {
        const candidates = eb
          .selectFrom('scheduled_messages as due')
          .select('due.id')
          .where('due.send_at', '<=', now)
          .where((w) => w.or([w('due.claimed_until', 'is', null), w('due.claimed_until', '<', now)]))
          .orderBy('due.send_at')
          .limit(limit);
        return this.dialect === 'postgres' ? candidates.forUpdate().skipLocked() : candidates;
      })
      .where('send_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returningAll()
      .execute();
    return rows.map((r) => ({ scheduled: toScheduled(r), claimedUntil: leaseUntil }));
  }

  /** Removes a claimed row; false when the claim was lost (expired and taken by another node). */
  async completeClaim(id: number, claimedUntil: number): Promise<boolean> {
    const r = await this.db.deleteFrom('scheduled_messages').where('id', '=', id).where('claimed_until', '=', claimedUntil).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** When the next row becomes claimable: its send time, or the end of a running claim. */
  async nextDue(now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('scheduled_messages')
      .select(sql<number | string | null>`min(case when claimed_until is not null and claimed_until >= ${now} then claimed_until + 1 else send_at end)`.as('at'))
      .executeTakeFirst();
    return row?.at == null ? null : Number(row.at);
  }
}
