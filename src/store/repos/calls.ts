import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Call, CallMedia, CallState } from '../../domain/types.ts';
import type { Dialect } from '../dialect.ts';
import type { CallsTable, Database } from '../schema.ts';

function toCall(row: Selectable<CallsTable>): Call {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    callerId: row.caller_id,
    calleeId: row.callee_id,
    media: row.media as CallMedia,
    state: row.state as CallState,
    endReason: row.end_reason,
    callerConnection: row.caller_connection,
    calleeConnection: row.callee_connection,
    createdAt: row.created_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    duration: row.duration,
  };
}

const live: CallState[] = ['ringing', 'connected'];

/**
 * Call records. Every state change is a conditional update (`where state = …`), so two devices
 * answering, or a hang-up racing the ring timeout, settle on exactly one outcome on any node.
 */
export class CallRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Serialises call set-up for these users until the transaction ends, so two simultaneous offers
   * cannot both find a party free. PostgreSQL locks the user rows (in id order: no deadlock);
   * SQLite has a single writer already.
   */
  async lockParties(userIds: readonly number[]): Promise<void> {
    if (this.dialect !== 'postgres') return;
    await this.db.selectFrom('users').select('id').where('id', 'in', [...userIds]).orderBy('id').forUpdate().execute();
  }

  async insert(c: {
    id: string;
    callerId: number;
    calleeId: number;
    media: CallMedia;
    state: CallState;
    endReason?: string;
    callerConnection: string | null;
    at: number;
  }): Promise<Call> {
    const row = await this.db
      .insertInto('calls')
      .values({
        id: c.id,
        caller_id: c.callerId,
        callee_id: c.calleeId,
        media: c.media,
        state: c.state,
        end_reason: c.endReason ?? null,
        caller_connection: c.callerConnection,
        created_at: c.at,
        ended_at: c.state === 'ended' ? c.at : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCall(row);
  }

  async byId(id: string): Promise<Call | undefined> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCall(row);
  }

  /** Ringing or connected calls in which any of the users takes part. */
  liveFor(userIds: readonly number[]): Promise<Call[]> {
    const ids = [...new Set(userIds)];
    return this.live((eb) => eb.or([eb('caller_id', 'in', ids), eb('callee_id', 'in', ids)]));
  }

  /** Live calls one connection holds an end of. */
  liveOnConnection(userId: number, connectionId: string): Promise<Call[]> {
    return this.live((eb) =>
      eb.or([
        eb.and([eb('caller_id', '=', userId), eb('caller_connection', '=', connectionId)]),
        eb.and([eb('callee_id', '=', userId), eb('callee_connection', '=', connectionId)]),
      ]),
    );
  }

  /**
   * Live calls an end of which is held by a connection of the given node (connection ids start
   * with `<node id>:`; compared exactly, as LIKE would ignore case on SQLite).
   */
  liveOnNode(nodeId: string): Promise<Call[]> {
    const prefix = `${nodeId}:`;
    return this.live((eb) =>
      eb.or([
        eb(sql`substr(caller_connection, 1, ${prefix.length})`, '=', prefix),
        eb(sql`substr(callee_connection, 1, ${prefix.length})`, '=', prefix),
      ]),
    );
  }

  private async live(which: (eb: ExpressionBuilder<Database, 'calls'>) => Expression<SqlBool>): Promise<Call[]> {
    const rows = await this.db.selectFrom('calls').selectAll().where('state', 'in', live).where(which).execute();
    return rows.map(toCall);
  }

  /** Ringing → connected, held by the answering connection; undefined when no longer ringing. */
  async answer(id: string, calleeId: number, connectionId: string | null, at: number): Promise<Call | undefined> {
    const row = await this.db
      .updateTable('calls')
      .set({ state: 'connected', answered_at: at, callee_connection: connectionId })
      .where('id', '=', id)
      .where('callee_id', '=', calleeId)
      .where('state', '=', 'ringing')
      .returningAll()
      .executeTakeFirst();
    return row && toCall(row);
  }

  /**
   * Notes the conversation an ended call was recorded in; false when it already was, so a call
   * leaves one record however often its end is reported.
   */
  async recordIn(id: string, conversationId: number): Promise<boolean> {
    const r = await this.db
      .updateTable('calls')
      .set({ conversation_id: conversationId })
      .where('id', '=', id)
      .where('state', '=', 'ended')
      .where('conversation_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends a call still in one of `from`; the duration counts whole seconds since the answer. */
  async end(id: string, from: readonly CallState[], reason: string, at: number): Promise<Call | undefined> {
    const row = await this.db
      .updateTable('calls')
      .set({
        state: 'ended',
        end_reason: reason,
        ended_at: at,
        // Integer arithmetic on both stores (SQLite would bind a JS number as a real).
        duration: sql<number>`case when answered_at is null then 0 else (cast(${at} as bigint) - answered_at + 500) / 1000 end`,
      })
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .returningAll()
      .executeTakeFirst();
    return row && toCall(row);
  }
}
