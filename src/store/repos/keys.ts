import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** A user's key pair as they posted it: the public key and their encrypted private-key backup. */
export interface KeyRecord {
  userId: number;
  publicKey: string;
  privateKeyEncrypted: string;
  updatedAt: number;
}

/** The public-key directory: one key pair per user (device '' ; per-device keys may come later). */
export class KeyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(userId: number): Promise<KeyRecord | undefined> {
    const row = await this.db.selectFrom('public_keys').selectAll().where('user_id', '=', userId).where('device_id', '=', '').executeTakeFirst();
    return row && { userId: row.user_id, publicKey: row.public_key, privateKeyEncrypted: row.private_key_encrypted, updatedAt: row.updated_at };
  }

  /** Posts the user's key pair, replacing the one before. */
  async put(userId: number, publicKey: string, privateKeyEncrypted: string, at: number): Promise<void> {
    await this.db
      .insertInto('public_keys')
      .values({ user_id: userId, device_id: '', public_key: publicKey, private_key_encrypted: privateKeyEncrypted, created_at: at, updated_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ public_key: publicKey, private_key_encrypted: privateKeyEncrypted, updated_at: at }))
      .execute();
  }
}
