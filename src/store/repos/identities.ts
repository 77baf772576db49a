import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Provider accounts linked to users (OAuth sign-in). */
export class IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user a provider's account is linked to. */
  async userOf(provider: string, subject: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('user_identities').select('user_id').where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
    return row === undefined ? undefined : Number(row.user_id);
  }

  /** Links a provider's account to a user; a link that exists already is left as it is. */
  async link(v: { userId: number; provider: string; subject: string; email: string | null; at: number }): Promise<void> {
    await this.db
      .insertInto('user_identities')
      .values({ user_id: v.userId, provider: v.provider, subject: v.subject, email: v.email, created_at: v.at })
      .onConflict((oc) => oc.columns(['provider', 'subject']).doNothing())
      .execute();
  }
}
