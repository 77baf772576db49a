import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * SQLite: each message's text again, stored by chat (`message_text`, keyed by conversation and
 * id, without a row id), for searches the trigram index cannot narrow.
 *
 * A query of one or two characters has no trigram, so a search walks the searcher's messages. In
 * `messages` those lie one or two to a page among every other chat's (they are stored in id
 * order, and chats interleave in time): counting the 91,000 messages of a searcher of the
 * harness's 1M-message store read 91,000 pages, 112–135 ms. Stored by chat, the same messages are
 * a few hundred consecutive pages: 20 ms.
 *
 * It holds the messages with content up to its own mark, edits and deletions followed by
 * triggers, as the search index does; but new messages are copied in bulk, every second, by the
 * server (`TextCopier`), not at each commit, where each would dirty a page of its chat (12–20% of
 * a send, measured), and searches read what is above the mark from `messages`. With each
 * message's `expires_at`, a search reads nothing else of the message but the page it shows.
 * The mark starts at 0: the server fills the table at start, before serving, in transactions of
 * 20,000 messages, as after 0013 (docs/upgrading.md). A build before this one neither reads nor
 * extends it, and the next start of this build adds what that build stored.
 */
// Its own name, not the store's constant, which a later table may take over (as 0012's did).
const textMarkKey = 'message_text_through';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const copied = sql`(select cast(value as integer) from settings where key = ${sql.lit(textMarkKey)})`;
  await sql`create table message_text (
    conversation_id integer not null,
    id integer not null,
    expires_at integer,
    content text not null,
    primary key (conversation_id, id)
  ) without rowid`.execute(db);
  await sql`insert into settings (key, value, updated_at) values (${textMarkKey}, '0', 0)`.execute(db);
  await sql`create trigger message_text_delete after delete on messages when old.id <= ${copied} begin
    delete from message_text where conversation_id = old.conversation_id and id = old.id;
  end`.execute(db);
  await sql`create trigger message_text_update after update of content, expires_at on messages when (old.content is not new.content or old.expires_at is not new.expires_at) and old.id <= ${copied} begin
    delete from message_text where conversation_id = old.conversation_id and id = old.id;
    insert into message_text (conversation_id, id, expires_at, content) select new.conversation_id, new.id, new.expires_at, new.content where new.content <> '';
  end`.execute(db);
}
