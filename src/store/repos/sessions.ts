import type { Kysely } from 'kysely';
import type { DeviceInfo, Session } from '../../domain/types.ts';
import { precompiled } from '../precompiled.ts';
import type { Database } from '../schema.ts';

export interface ActiveSession extends Session {
  userDisabled: boolean;
}

export interface RefreshTokenRecord {
  id: number;
  sessionId: string;
  expiresAt: number;
  usedAt: number | null;
  sessionRevokedAt: number | null;
  sessionExpiresAt: number;
  userId: number;
}

// Every authenticated request and socket asks (see precompiled).
const activeSession = precompiled((db, v: { id: string; now: number }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.device_id', 'sessions.created_at', 'sessions.expires_at', 'sessions.revoked_at', 'users.is_disabled'])
    .where('sessions.id', '=', v.id)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', v.now),
);

export class SessionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: { id: string; userId: number; device: DeviceInfo; at: number; expiresAt: number }): Promise<void> {
    const { deviceId, userAgent, ip, ...info } = s.device;
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        device_id: deviceId ?? '',
        device_info: JSON.stringify(info),
        user_agent: (userAgent ?? '').slice(0, 512),
        ip: ip ?? '',
        created_at: s.at,
        last_used_at: s.at,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  /** The session if it exists and is neither revoked nor expired. */
  async active(id: string, now: number): Promise<ActiveSession | undefined> {
    const [row] = await activeSession(this.db, { id, now });
    return (
      row && {
        id: row.id,
        userId: row.user_id,
        deviceId: row.device_id,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
        userDisabled: row.is_disabled === 1,
      }
    );
  }

  /** Which of these sessions have been revoked (logged out, or ended for refresh-token reuse). */
  async revokedAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('sessions').select('id').where('id', 'in', [...ids]).where('revoked_at', 'is not', null).execute();
    return new Set(rows.map((r) => r.id));
  }

  async revoke(id: string, reason: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Records use of the session and slides its expiry forward. */
  async touch(id: string, at: number, expiresAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: at, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async addRefreshToken(t: { sessionId: string; hash: string; at: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({ session_id: t.sessionId, token_hash: t.hash, created_at: t.at, expires_at: t.expiresAt })
      .execute();
  }

  async refreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .select([
        'refresh_tokens.id',
        'refresh_tokens.session_id',
        'refresh_tokens.expires_at',
        'refresh_tokens.used_at',
        'sessions.revoked_at',
        'sessions.expires_at as session_expires_at',
        'sessions.user_id',
      ])
      .where('refresh_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        sessionId: row.session_id,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        sessionRevokedAt: row.revoked_at,
        sessionExpiresAt: row.session_expires_at,
        userId: row.user_id,
      }
    );
  }

  /** Marks a refresh token used; false when it already was (a replay, possibly concurrent). */
  async consumeRefreshToken(id: number, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
