import { sql, type Kysely } from 'kysely';
import type { DomainEvent, NewEvent } from '../../domain/events.ts';
import type { Dialect } from '../dialect.ts';
import type { Database } from '../schema.ts';

// Any constant works; it only has to be the same on every node.
const EVENT_APPEND_LOCK = 0x70_61_72_6c;

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
    const rows = await this.db
      .insertInto('events')
      .values(
        events.map((e) => ({
          audience_kind: e.audience.kind,
          audience_id: e.audience.id,
          type: e.type,
          payload: JSON.stringify(e.data),
          created_at: at,
        })),
      )
      .returning('seq')
      .execute();
    // RETURNING order is not guaranteed; sequence values are assigned in insertion order.
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
    return events.map((e, i) => ({ ...e, seq: seqs[i]!, at }));
  }

  async latestSeq(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }
}
