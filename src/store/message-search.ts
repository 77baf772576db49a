import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect } from './dialect.ts';
import type { Database } from './schema.ts';

/**
 * The message search index (migrations 0010, 0012 and 0013) and the text stored by chat (0014)
 * from the repository's side: the FTS5 query that finds candidates on SQLite, how new messages
 * reach both, and whether PostgreSQL has its trigram index.
 */

/**
 * Trigrams that every text containing `lowered` contains: one at every third character and the
 * last, distinct, or null under three characters, where a trigram index cannot narrow anything.
 * Not all of them: each is a list of row ids to intersect, and the overlapping ones add little
 * ("release notes": 5 lists instead of 11, 1,647 candidates instead of 1,617, a seventh of the time).
 */
export function trigramsOf(lowered: string): string[] | null {
  const chars = Array.from(lowered);
  if (chars.length < 3) return null;
  const at = (i: number) => chars.slice(i, i + 3).join('');
  const terms = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 3) terms.add(at(i));
  terms.add(at(chars.length - 3));
  return [...terms];
}

/**
 * An FTS5 query (trigram tokenizer, detail=none) for rows containing every one of `trigrams`,
 * each a quoted string. The index folds case at least as far as `lower()` does, so its candidates
 * are a superset of the LIKE's matches, which the caller still applies.
 */
export function ftsQuery(trigrams: readonly string[]): string {
  return trigrams.map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

/**
 * Each chat's token in the SQLite index (migration 0013): its id as three code points of the
 * Private Use Area (base 4096, so ids below 2^36), which the trigram tokenizer reads as exactly one
 * trigram. A search ANDs the query's trigrams with the searcher's chats, so the index yields only
 * candidates from those chats. Content can hold these code points too; such a message is one more
 * candidate, which the row checks (membership, LIKE) still decide on.
 */
export function chatToken(conversationId: number): string {
  return String.fromCodePoint(PRIVATE_USE + Math.floor(conversationId / 16_777_216) % 4096, PRIVATE_USE + (Math.floor(conversationId / 4096) % 4096), PRIVATE_USE + (conversationId % 4096));
}

const PRIVATE_USE = 0xe000;

/** chatToken in SQL, for the statements and triggers that index rows. */
export const chatTokenSql = (column: string) => `char(${PRIVATE_USE} + (${column} >> 24) % 4096, ${PRIVATE_USE} + (${column} >> 12) % 4096, ${PRIVATE_USE} + ${column} % 4096)`;

/** Where a search changes its way of finding candidates on SQLite (`MessageRepo`); tests move them. */
export interface SearchTuning {
  /**
   * Up to this many candidates from the content alone, a search does not name the viewer's chats:
   * checking that many rows costs less than merging the chats' lists in the index.
   */
  rareCandidates: number;
  /** Above this many chats, a search names none (the OR would cost more than it saves). */
  maxChatTerms: number;
  /**
   * Not naming chats, up to this many candidates the index is used without asking how many
   * messages the viewer's chats hold (which costs a walk of their index entries).
   */
  fewCandidates: number;
}

export const defaultSearchTuning: SearchTuning = { rareCandidates: 2_000, maxChatTerms: 200, fewCandidates: 20_000 };

/** `ftsQuery` narrowed to rows of `chats` (none given: every chat). */
export function chatScopedQuery(trigrams: readonly string[], chats: readonly number[]): string {
  const content = ftsQuery(trigrams);
  if (chats.length === 0) return content;
  return `${content} AND (${chats.map((c) => `"${chatToken(c)}"`).join(' OR ')})`;
}

/** The settings key of the highest message id the SQLite index holds (migration 0013). */
export const searchMarkKey = 'message_search_by_chat_indexed_through';

/** The settings key of the highest message id `message_text` holds (migration 0014). */
export const textMarkKey = 'message_text_through';

/** A copy of the messages' text kept for search: its mark, and how a range of ids reaches it. */
interface TextCopy {
  mark: string;
  insert: (range: RawBuilder<unknown>) => RawBuilder<unknown>;
}

const searchIndex: TextCopy = {
  mark: searchMarkKey,
  insert: (range) => sql`insert into messages_search(rowid, content, chat) select id, content, ${sql.raw(chatTokenSql('conversation_id'))} from messages where ${range} and content <> ''`,
};

// In chat order, so each chat's new rows land on its pages together.
const textByChat: TextCopy = {
  mark: textMarkKey,
  insert: (range) =>
    sql`insert into message_text(conversation_id, id, expires_at, content) select conversation_id, id, expires_at, content from messages where ${range} and content <> '' order by conversation_id, id`,
};

/** The mark under `key` as an SQL value: read by the statement that uses it, so in its snapshot. */
export function markSql(key: string): RawBuilder<number> {
  return sql<number>`(select cast(value as integer) from settings where key = ${key})`;
}

/**
 * Adds the messages above the mark to the search index and moves the mark. The store runs it at
 * the end of every commit (inside it, so a message and its index entry commit together): two
 * statements, none read back. One insert for the lot: FTS5 then writes one segment per commit
 * (see migration 0012). A missing mark adds nothing.
 *
 * `message_text` is not filled here: a commit's messages would each dirty a page of their chat,
 * which cost 12–20% of a send (measured); `copyMessageText` moves them in bulk instead.
 */
export async function indexNewMessages(db: Kysely<Database>): Promise<void> {
  await searchIndex.insert(sql`id > ${markSql(searchMarkKey)}`).execute(db);
  const newest = sql`(select max(id) from messages)`;
  await sql`update settings set value = cast(${newest} as text) where key = ${searchMarkKey} and cast(value as integer) < ${newest}`.execute(db);
}

/**
 * Moves up to `limit` ids of new messages into `message_text`, in one transaction; resolves to
 * how many ids it covered (0: it is up to date). Searches read what is above its mark from
 * `messages`, so it may lag without changing an answer.
 */
export function copyMessageText(db: Kysely<Database>, limit: number): Promise<number> {
  return db.transaction().execute((trx) => copyChunk(trx, textByChat, limit));
}

/**
 * Adds every message above each mark, in transactions of `chunk` ids so that none holds the file
 * for long (at start, for what other writers stored, and after migrations 0013 and 0014; after a
 * bulk import). Resolves to how many ids the copy furthest behind covered.
 */
export async function catchUpSearchIndex(db: Kysely<Database>, chunk = 20_000): Promise<number> {
  let covered = 0;
  for (const copy of [searchIndex, textByChat]) {
    let ids = 0;
    for (;;) {
      const n = await db.transaction().execute((trx) => copyChunk(trx, copy, chunk));
      if (n === 0) break;
      ids += n;
    }
    covered = Math.max(covered, ids);
  }
  return covered;
}

async function copyChunk(db: Kysely<Database>, copy: TextCopy, limit: number): Promise<number> {
  const mark = await db.selectFrom('settings').select('value').where('key', '=', copy.mark).executeTakeFirst();
  if (!mark) return 0;
  const from = Number(mark.value);
  const top = await db.selectFrom('messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const through = Math.min(Number(top?.id ?? 0), from + limit);
  if (through <= from) return 0;
  await copy.insert(sql`id > ${from} and id <= ${through}`).execute(db);
  await db.updateTable('settings').set({ value: String(through) }).where('key', '=', copy.mark).execute();
  return through - from;
}

/** PostgreSQL's trigram index on message content, which 0010 skips when pg_trgm cannot be created. */
export const postgresSearchIndex = 'messages_content_trgm';

/**
 * Whether searches run without their index (PostgreSQL without pg_trgm): they still answer, by
 * scanning the caller's messages, so this is a warning, not a refusal.
 */
export async function searchIndexMissing(db: Kysely<Database>, dialect: Dialect): Promise<boolean> {
  if (dialect === 'sqlite') return false;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_indexes where schemaname = current_schema() and tablename = 'messages' and indexname = ${postgresSearchIndex}`.execute(db);
  return rows[0]?.n === 0;
}

/** What an operator runs to add the index by hand (as a user allowed to create extensions). */
export const postgresSearchIndexFix = `CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE INDEX CONCURRENTLY ${postgresSearchIndex} ON messages USING gin (lower(content) gin_trgm_ops);`;
