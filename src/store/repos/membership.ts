import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Who belongs to which conversation, read straight from `conversation_members`: the few questions
 * the realtime gateway asks (which conversations a connecting user is in, who shares one with
 * them). The conversation service owns membership changes.
 */
export class MembershipRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async conversationIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.conversation_id);
  }

  async memberIds(conversationId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('conversation_members').select('user_id').where('conversation_id', '=', conversationId).execute();
    return rows.map((r) => r.user_id);
  }

  async isMember(conversationId: number, userId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('conversation_members')
      .select('user_id')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Everyone who shares at least one conversation with the user, without the user. */
  async peersOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('conversation_members as mine')
      .innerJoin('conversation_members as other', 'other.conversation_id', 'mine.conversation_id')
      .select('other.user_id')
      .distinct()
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '!=', userId)
      .execute();
    return rows.map((r) => r.user_id);
  }
}
