import { sql, type Kysely, type Selectable } from 'kysely';
import type { Audience, DomainEvent, EventType, NewEvent } from '../../domain/events.ts';
import type { Dialect } from '../dialect.ts';
import { precompiled } from '../precompiled.ts';
import type { Database, EventsTable } from '../schema.ts';

function toEvent(row: Selectable<EventsTable>): DomainEvent {
  return {
    seq: row.seq,
    type: row.type as EventType,
    audience: { kind: row.audience_kind, id: row.audience_id } as Audience,
    data: JSON.parse(row.payload) as DomainEvent['data'],
    at: row.created_at,
  };
}

// Any constant works; it only has to be the same on every node.
const EVENT_APPEND_LOCK = 0x70_61_72_6c;
// Rows per insert statement: 5 parameters each, well within either database's bound.
const APPEND_CHUNK = 1000;

type EventRow = Omit<Selectable<EventsTable>, 'seq'>;
// Nearly every change appends exactly one event: that statement is compiled once (precompiled).
const appendOne = precompiled((db, v: EventRow) =>
  db
    .insertInto('events')
    .values({ audience_kind: v.audience_kind, audience_id: v.audience_id, type: v.type, payload: v.payload, created_at: v.created_at })
    .returning('seq'),
);

export class EventRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Appends events inside the caller's transaction. On PostgreSQL, sequence numbers are handed
   * out at insert time but become visible at commit, so two writers could commit out of order and
   * a reader resuming from seq N would skip the late one. A transaction-scoped advisory lock,
   * taken just before the insert (events are appended last), makes commit order equal seq order.
   * SQLite has a single writer and needs nothing.
   */
  async append(events: readonly NewEvent[], at: number): Promise<DomainEvent[]> {
    if (events.length === 0) return [];
    if (this.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(${EVENT_APPEND_LOCK})`.execute(this.db);
    }
    const values = events.map((e) => ({
      audience_kind: e.audience.kind,
      audience_id: e.audience.id,
      type: e.type,
      payload: JSON.stringify(e.data),
      created_at: at,
    }));
    const rows = values.length === 1 ? await appendOne(this.db, values[0]!) : await this.insertChunked(values);
    // RETURNING order is not guaranteed; sequence values are assigned in insertion order.
    const seqs = rows.length === 1 ? [rows[0]!.seq] : rows.map((r) => r.seq).sort((a, b) => a - b);
    // Named fields in toEvent's order, not a spread: every event then has one shape, from here or
    // read back, and the gateway's encoders see no other.
    return events.map((e, i) => ({ seq: seqs[i]!, type: e.type, audience: e.audience, data: e.data, at }));
  }

  /**
   * Inserts in statements of at most APPEND_CHUNK rows: one change may emit thousands of events
   * (deleting a user who wrote much), beyond the bound parameters a statement may carry (32,766 on
   * SQLite, 65,535 on PostgreSQL). Chunks run in order, so seqs still follow the events' order.
   */
  private async insertChunked(values: EventRow[]): Promise<{ seq: number }[]> {
    const rows: { seq: number }[] = [];
    for (let i = 0; i < values.length; i += APPEND_CHUNK) {
      rows.push(...(await this.db.insertInto('events').values(values.slice(i, i + APPEND_CHUNK)).returning('seq').execute()));
    }
    return rows;
  }

  async latestSeq(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /**
   * The events one user may see after `afterSeq`, oldest first: those addressed to the user and
   * those of the conversations the user is a member of now. Two index range scans
   * (`events_audience`) merged by seq; membership is read in the same statement.
   */
  async forUser(userId: number, afterSeq: number, limit: number): Promise<DomainEvent[]> {
    const own = this.db
      .selectFrom('events')
      .selectAll()
      .where('audience_kind', '=', 'user')
      .where('audience_id', '=', userId)
      .where('seq', '>', afterSeq);
    const shared = this.db
      .selectFrom('events')
      .selectAll()
      .where('audience_kind', '=', 'conversation')
      .where('audience_id', 'in', (eb) => eb.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId))
      .where('seq', '>', afterSeq);
    const rows = await own.unionAll(shared).orderBy('seq').limit(limit).execute();
    return rows.map(toEvent);
  }

  /**
   * What one user may sync after `afterSeq` up to `throughSeq`, oldest first: the events
   * `forUser` gives, plus the profile changes (`user.updated`) of everyone sharing a conversation
   * with the user now.
   */
  async syncFor(userId: number, afterSeq: number, throughSeq: number, limit: number): Promise<DomainEvent[]> {
    const inRange = (q: ReturnType<typeof this.fromEvents>) => q.where('seq', '>', afterSeq).where('seq', '<=', throughSeq);
    const own = inRange(this.fromEvents()).where('audience_kind', '=', 'user').where('audience_id', '=', userId);
    const shared = inRange(this.fromEvents())
      .where('audience_kind', '=', 'conversation')
      .where('audience_id', 'in', (eb) => eb.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId));
    const peers = inRange(this.fromEvents())
      .where('audience_kind', '=', 'user')
      .where('type', '=', 'user.updated')
      .where('audience_id', '!=', userId)
      .where('audience_id', 'in', (eb) =>
        eb
          .selectFrom('conversation_members as other')
          .innerJoin('conversation_members as mine', 'mine.conversation_id', 'other.conversation_id')
          .select('other.user_id')
          .where('mine.user_id', '=', userId),
      );
    const rows = await own.unionAll(shared).unionAll(peers).orderBy('seq').limit(limit).execute();
    return rows.map(toEvent);
  }

  /** The first seq of the events created after `time`, if any. */
  async firstSeqAfter(time: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('seq').as('seq'))
      .where('created_at', '>', time)
      .executeTakeFirst();
    return row?.seq == null ? undefined : Number(row.seq);
  }

  private fromEvents() {
    return this.db.selectFrom('events').selectAll();
  }

  /**
   * Every event with `afterSeq < seq ≤ throughSeq`, whatever its audience, oldest first: what a
   * node missed of the cross-node stream (a primary-key range scan).
   */
  async between(afterSeq: number, throughSeq: number, limit: number): Promise<DomainEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .where('seq', '<=', throughSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  /** The highest seq of the events created before `cutoff`, if any. */
  async lastSeqBefore(cutoff: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    return row?.seq == null ? undefined : Number(row.seq);
  }

  /** Deletes up to `batch` of the oldest events with seq ≤ `throughSeq`; returns how many went. */
  async deleteThrough(throughSeq: number, batch: number): Promise<number> {
    const r = await this.db
      .deleteFrom('events')
      .where('seq', 'in', (eb) => eb.selectFrom('events').select('seq').where('seq', '<=', throughSeq).orderBy('seq').limit(batch))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
