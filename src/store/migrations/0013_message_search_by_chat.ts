import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';
import { chatTokenSql } from '../message-search.ts';

/**
 * SQLite: a search index that knows each message's chat.
 *
 * 0010's index holds the content's trigrams only, so a search for a word found in many messages
 * had every chat's candidates to check, row by row, for the searcher's membership: "meeting" in a
 * store of 1M messages gave 78,000 candidates for 7,000 matches in the searcher's chats, and the
 * exact total cost 214 ms. `messages_search` also holds each message's chat as one token
 * (`chatToken`), so a search asks for the query's trigrams AND one of the searcher's chats, and
 * only their candidates are read.
 *
 * Contentless with `contentless_delete`: an edit or deletion removes the row by its id, with no
 * need to restate what was indexed. New messages reach it at the end of each commit above its own
 * mark, as in 0012. The mark starts at 0: the server fills the index at start, before serving, in
 * transactions of 20,000 messages (docs/upgrading.md).
 *
 * Additive: `messages_fts`, its mark and its triggers stay as they are, so a build before this
 * one still finds what it indexed, and indexes at its start what came since. This build neither
 * reads nor extends them.
 */
// Its own name, not the store's constant, which a later index may take over (as 0012's did).
// The token is the store's on purpose: the triggers must write what searches ask for.
const searchMarkKey = 'message_search_by_chat_indexed_through';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const indexed = sql`(select cast(value as integer) from settings where key = ${sql.lit(searchMarkKey)})`;
  const token = sql.raw(chatTokenSql('new.conversation_id'));
  await sql`create virtual table messages_search using fts5(content, chat, content='', contentless_delete=1, tokenize='trigram', detail=none)`.execute(db);
  await sql`insert into settings (key, value, updated_at) values (${searchMarkKey}, '0', 0)`.execute(db);
  await sql`create trigger messages_search_delete after delete on messages when old.id <= ${indexed} begin
    delete from messages_search where rowid = old.id;
  end`.execute(db);
  await sql`create trigger messages_search_update after update of content on messages when old.content is not new.content and old.id <= ${indexed} begin
    delete from messages_search where rowid = old.id;
    insert into messages_search(rowid, content, chat) select new.id, new.content, ${token} where new.content <> '';
  end`.execute(db);
}
