import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface CodeRecord {
  id: number;
  codeHash: string;
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

export class VerificationCodeRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async lastIssuedAt(target: string, purpose: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('verification_codes')
      .select('created_at')
      .where('target', '=', target)
      .where('purpose', '=', purpose)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.created_at;
  }

  /** Issues a new code and voids every earlier live one for the same target. */
  async issue(c: { target: string; purpose: string; codeHash: string; at: number; expiresAt: number }): Promise<void> {
    await this.db
      .updateTable('verification_codes')
      .set({ consumed_at: c.at })
      .where('target', '=', c.target)
      .where('purpose', '=', c.purpose)
      .where('consumed_at', 'is', null)
      .execute();
    await this.db
      .insertInto('verification_codes')
      .values({ target: c.target, purpose: c.purpose, code_hash: c.codeHash, created_at: c.at, expires_at: c.expiresAt })
      .execute();
  }

  async live(target: string, purpose: string, now: number): Promise<CodeRecord | undefined> {
    const row = await this.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('target', '=', target)
      .where('purpose', '=', purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { id: row.id, codeHash: row.code_hash, attempts: row.attempts, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** Counts a wrong try; voids the code once `maxAttempts` is reached. */
  async recordFailure(id: number, maxAttempts: number, at: number): Promise<void> {
    const row = await this.db
      .updateTable('verification_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    if (row && row.attempts >= maxAttempts) {
      await this.db.updateTable('verification_codes').set({ consumed_at: at }).where('id', '=', id).execute();
    }
  }

  /** Consumes the code; false when another request consumed it first. */
  async consume(id: number, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('verification_codes')
      .set({ consumed_at: at })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Removes the code issued at `at` (its delivery failed). */
  async purgeIssued(target: string, purpose: string, at: number): Promise<void> {
    await this.db
      .deleteFrom('verification_codes')
      .where('target', '=', target)
      .where('purpose', '=', purpose)
      .where('created_at', '=', at)
      .execute();
  }

  async purgeExpired(before: number): Promise<void> {
    await this.db.deleteFrom('verification_codes').where('expires_at', '<', before).execute();
  }
}
