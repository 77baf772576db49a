import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * SQLite: new messages reach the search index once per commit instead of once per message.
 *
 * FTS5 writes what it holds in memory to a new segment of its index at every savepoint, and a
 * group commit opens several per message (one per transaction, one per statement that may need
 * undoing). With 0010's insert trigger every message became a segment of its own, written and
 * later merged: under load the event INSERT that follows each message paid 17 µs for it (6 µs
 * without), the largest single cost of a send. So the
 * insert trigger goes, and the store indexes the messages above a mark (`settings`
 * `message_search_indexed_through`) at the end of each commit, in one statement
 * (src/store/message-search.ts); a server catches up at start with what other writers left.
 *
 * Edits and deletions still go through triggers, but only for indexed messages (id at or below
 * the mark): the rest are indexed as they are when their commit ends.
 *
 * A build before this one, run on this schema, stores messages its own searches do not find
 * until a newer build runs again and indexes them at start (docs/upgrading.md).
 */
// Its own name, not the store's: the store's mark is 0013's index's now.
const searchMarkKey = 'message_search_indexed_through';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const indexed = sql`(select cast(value as integer) from settings where key = ${sql.lit(searchMarkKey)})`;
  await sql`insert into settings (key, value, updated_at) select ${searchMarkKey}, cast(coalesce(max(id), 0) as text), 0 from messages`.execute(db);
  await sql`drop trigger messages_fts_insert`.execute(db);
  await sql`drop trigger messages_fts_delete`.execute(db);
  await sql`drop trigger messages_fts_update`.execute(db);
  await sql`create trigger messages_fts_delete after delete on messages when old.content <> '' and old.id <= ${indexed} begin
    insert into messages_fts(messages_fts, rowid, content) values ('delete', old.id, old.content);
  end`.execute(db);
  await sql`create trigger messages_fts_update after update of content on messages when old.content is not new.content and old.id <= ${indexed} begin
    insert into messages_fts(messages_fts, rowid, content) select 'delete', old.id, old.content where old.content <> '';
    insert into messages_fts(rowid, content) select new.id, new.content where new.content <> '';
  end`.execute(db);
}
