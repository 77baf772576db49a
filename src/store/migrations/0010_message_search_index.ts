import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * Message search (`lower(content) LIKE '%q%'`) read every message the caller could see. An index
 * of the content's trigrams finds the candidates instead; the LIKE still decides, so results are
 * what they were.
 *
 * SQLite: an FTS5 table with the trigram tokenizer (case-folded, any script) over the messages'
 * own rows (external content, keyed on messages.id, the rowid), filled from the existing rows
 * and kept in step by triggers. Triggers, not the repository, because every write must reach the
 * index: edits, recalls, deletions, expiry, cascades of a deleted conversation or user, and the
 * writes of an older build running on this schema. `detail=none` keeps no positions (candidates
 * need only contain every trigram; the LIKE rechecks), which keeps the index and each insert's
 * share small. Empty content (tombstones) is never indexed.
 *
 * PostgreSQL: a pg_trgm GIN index on lower(content), which the planner uses for the LIKE itself.
 * Creating the extension needs the CREATE privilege on the database (pg_trgm is a trusted
 * extension); without it the migration goes on without the index, searches scan as before, and
 * the server warns at every start until an operator creates both (docs/upgrading.md).
 *
 * Additive: builds without it never read the index, and its triggers keep their writes indexed.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await sqliteIndex(db);
  else await postgresIndex(db);
}

async function sqliteIndex(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table messages_fts using fts5(content, content='messages', content_rowid='id', tokenize='trigram', detail=none, columnsize=0)`.execute(db);
  await sql`create trigger messages_fts_insert after insert on messages when new.content <> '' begin
    insert into messages_fts(rowid, content) values (new.id, new.content);
  end`.execute(db);
  await sql`create trigger messages_fts_delete after delete on messages when old.content <> '' begin
    insert into messages_fts(messages_fts, rowid, content) values ('delete', old.id, old.content);
  end`.execute(db);
  // Both halves are conditional so that the index holds exactly the non-empty contents.
  await sql`create trigger messages_fts_update after update of content on messages when old.content is not new.content begin
    insert into messages_fts(messages_fts, rowid, content) select 'delete', old.id, old.content where old.content <> '';
    insert into messages_fts(rowid, content) select new.id, new.content where new.content <> '';
  end`.execute(db);
  await sql`insert into messages_fts(messages_fts) values ('rebuild')`.execute(db);
}

async function postgresIndex(db: Kysely<unknown>): Promise<void> {
  // The migrator runs in a transaction: a refused CREATE EXTENSION must not abort it.
  await sql`savepoint pg_trgm_extension`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint pg_trgm_extension`.execute(db);
  } catch {
    await sql`rollback to savepoint pg_trgm_extension`.execute(db);
    return;
  }
  // An operator may have made it by hand (CONCURRENTLY, docs/upgrading.md) before upgrading.
  await sql`create index if not exists messages_content_trgm on messages using gin (lower(content) gin_trgm_ops)`.execute(db);
}
