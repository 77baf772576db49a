import { randomUUID } from 'node:crypto';
import type { Kysely, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { DeviceInfo, Session } from '../../domain/types.ts';
import { precompiled } from '../precompiled.ts';
import type { Database } from '../schema.ts';
import { SettingsRepo } from './settings.ts';

/** An update of the sessions table, before it is narrowed and run. */
type SessionUpdate = UpdateQueryBuilder<Database, 'sessions', 'sessions', UpdateResult>;

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

const endedMarkKey = 'sessions.ended_mark';

export class SessionRepo {
  /** Where the ended-sessions mark is kept. */
  private readonly settings: SettingsRepo;

  constructor(private readonly db: Kysely<Database>) {
    this.settings = new SettingsRepo(db);
  }

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

  /**
   * Which of these sessions have ended: revoked (logged out, ended for refresh-token reuse, or
   * with a disabled account), belonging to an account disabled some other way, or gone with a
   * deleted account.
   */
  async endedAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // A session that no longer exists (its user was deleted) has ended too, so the live ones are read.
    const rows = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select('sessions.id')
      .where('sessions.id', 'in', [...ids])
      .where('sessions.revoked_at', 'is', null)
      .where('users.is_disabled', '=', 0)
      .execute();
    const live = new Set(rows.map((r) => r.id));
    return new Set(ids.filter((id) => !live.has(id)));
  }

  /** Revokes every live session of a user; returns their ids. */
  revokeAllOf(userId: number, reason: string, at: number): Promise<string[]> {
    return this.revokeLive(userId, reason, at, (q) => q);
  }

  /**
   * Leaves a new mark that sessions were ended, for the nodes that may not hear of it otherwise
   * (the ending process is not one of them and no bus joins it to them): see `endedMark`.
   */
  async markEnded(at: number): Promise<void> {
    await this.settings.set(endedMarkKey, `${at}:${randomUUID()}`, at);
  }

  /** The latest mark left by `markEnded` (undefined before the first); one row read by its key. */
  endedMark(): Promise<string | undefined> {
    return this.settings.get(endedMarkKey);
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

  /** Revokes the user's live sessions on one device; returns their ids. */
  revokeDevice(userId: number, deviceId: string, reason: string, at: number): Promise<string[]> {
    return this.revokeLive(userId, reason, at, (q) => q.where('device_id', '=', deviceId));
  }

  /** Revokes every live session of the user but one; returns the ids revoked. */
  revokeOthers(userId: number, keepId: string, reason: string, at: number): Promise<string[]> {
    return this.revokeLive(userId, reason, at, (q) => q.where('id', '!=', keepId));
  }

  /** Revokes the user's live sessions that `narrow` keeps; returns their ids. */
  private async revokeLive(userId: number, reason: string, at: number, narrow: (q: SessionUpdate) => SessionUpdate): Promise<string[]> {
    const base = this.db.updateTable('sessions').set({ revoked_at: at, revoked_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    const rows = await narrow(base).returning('id').execute();
    return rows.map((r) => r.id);
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
