import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { untouchedMessage, type Attachment, type ForwardOrigin, type Message, type MessageDraft, type MessageEdit, type MessageType, type PageRequest } from '../../domain/types.ts';
import type { Dialect } from '../dialect.ts';
import { guardUnique, likeContains } from '../errors.ts';
import { chatScopedQuery, defaultSearchTuning, ftsQuery, markSql, textMarkKey, trigramsOf, type SearchTuning } from '../message-search.ts';
import { precompiled } from '../precompiled.ts';
import type { Database, MessagesTable } from '../schema.ts';

function parseJson<T>(text: string): T | null {
  return text === '{}' || text === '' ? null : (JSON.parse(text) as T);
}

export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    type: row.type as MessageType,
    content: row.content,
    caption: row.caption,
    attachment: parseJson<Attachment>(row.attachment),
    replyToId: row.reply_to_id,
    forwardFrom: parseJson<ForwardOrigin>(row.forward_origin),
    ttl: row.ttl,
    expiresAt: row.expires_at,
    sendAt: row.send_at,
    isSilent: row.is_silent === 1,
    isEncrypted: row.is_encrypted === 1,
    clientId: row.client_id,
    isEdited: row.is_edited === 1,
    editedAt: row.edited_at,
    isPinned: row.is_pinned === 1,
    pinnedAt: row.pinned_at,
    pinnedBy: row.pinned_by,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_by,
    recalledAt: row.recalled_at,
    metadata: parseJson<Record<string, unknown>>(row.metadata) ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewMessage {
  conversationId: number;
  senderId: number | null;
  draft: MessageDraft;
  clientId: string | null;
  /** When it was scheduled for (scheduled sends only). */
  sendAt: number | null;
  at: number;
}

export interface MessageFilter {
  /** Only messages users wrote: no system notices or call records. */
  byUsers?: boolean;
  /** Only messages with a smaller id. */
  before?: number;
  /** Only messages with a larger id. */
  after?: number;
  /** With `after`: the page holds the messages right after it (still listed newest first), not the newest ones. */
  adjacent?: boolean;
  /** Case-insensitive substring of the content. */
  search?: string;
  type?: MessageType;
}

/** What deleting for everyone leaves of a message: a tombstone without content. */
const scrubbed = { content: '', caption: '', attachment: '{}', file_id: null, metadata: '{}' } as const;

type MessagesEb = ExpressionBuilder<Database, 'messages'>;

/** Live: not deleted for everyone and not past its self-destruct time (even before the sweep). */
function live(eb: MessagesEb, now: number) {
  return eb.and([eb('messages.deleted_at', 'is', null), eb.or([eb('messages.expires_at', 'is', null), eb('messages.expires_at', '>', now)])]);
}

function notHiddenFrom(eb: MessagesEb, userId: number) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('message_hidden')
        .select('message_hidden.message_id')
        .whereRef('message_hidden.message_id', '=', 'messages.id')
        .where('message_hidden.user_id', '=', userId),
    ),
  );
}

/** What the viewer sees of a message row: live, not hidden from them, matching `filter`. */
function seenBy(eb: MessagesEb, viewerId: number, filter: MessageFilter, now: number, dialect: Dialect) {
  return eb.and([live(eb, now), notHiddenFrom(eb, viewerId), matching(eb, filter, dialect)]);
}

function matching(eb: MessagesEb, f: MessageFilter, dialect: Dialect) {
  const all = [];
  if (f.before !== undefined) all.push(eb('messages.id', '<', f.before));
  if (f.after !== undefined) all.push(eb('messages.id', '>', f.after));
  if (f.type !== undefined) all.push(eb('messages.type', '=', f.type));
  if (f.byUsers) all.push(eb('messages.type', 'not in', ['system', 'call']));
  if (f.search) {
    // SQLite's LIKE already ignores the case of ASCII letters, and its lower() folds nothing
    // more, so there lower() would only copy every row's content; PostgreSQL's LIKE is exact
    // (and its trigram index is on lower(content)).
    const content = dialect === 'postgres' ? sql`lower(messages.content)` : sql`messages.content`;
    all.push(eb(content, 'like', sql`${likeContains(f.search.toLowerCase())} escape '\\'`));
  }
  return eb.and(all);
}

// The statements every send runs (see precompiled).
const insertedColumns = [
  'conversation_id',
  'sender_id',
  'type',
  'content',
  'caption',
  'file_id',
  'attachment',
  'reply_to_id',
  'forward_from_id',
  'forward_origin',
  'ttl',
  'expires_at',
  'send_at',
  'is_silent',
  'is_encrypted',
  'client_id',
  'metadata',
  'created_at',
  'updated_at',
] as const;
type InsertedMessage = Required<Pick<Insertable<MessagesTable>, (typeof insertedColumns)[number]>>;
// The stand-in has no keys of its own to enumerate, so the columns are named here. Only the id
// comes back: the rest is what was written (RETURNING * cost 13 µs an insert against 5 for the id).
const insertMessage = precompiled((db, v: InsertedMessage) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(insertedColumns.map((c) => [c, v[c]])) as InsertedMessage)
    .returning('id'),
);
const clientIdUses = precompiled((db, v: { senderId: number; clientId: string }) =>
  db
    .selectFrom('messages')
    .select([sql<'message' | 'scheduled'>`'message'`.as('kind'), 'id'])
    .where('sender_id', '=', v.senderId)
    .where('client_id', '=', v.clientId)
    .unionAll((q) =>
      q
        .selectFrom('scheduled_messages')
        .select([sql<'message' | 'scheduled'>`'scheduled'`.as('kind'), 'id'])
        .where('sender_id', '=', v.senderId)
        .where('client_id', '=', v.clientId),
    ),
);

export class MessageRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly tuning: SearchTuning = defaultSearchTuning,
  ) {}

  async byId(id: number): Promise<Message | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMessage(row);
  }

  async byIds(ids: readonly number[]): Promise<Map<number, Message>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.db.selectFrom('messages').selectAll().where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, toMessage(r)]));
  }

  /**
   * Where a sender's client id was used, if anywhere: a message, a pending or past schedule, or
   * both. One statement for both tables, because every send with a client id asks.
   */
  async clientIdUses(senderId: number, clientId: string): Promise<{ kind: 'message' | 'scheduled'; id: number }[]> {
    const rows = await clientIdUses(this.db, { senderId, clientId });
    return rows.map((r) => ({ kind: r.kind, id: Number(r.id) }));
  }

  async byClientId(senderId: number, clientId: string): Promise<Message | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('sender_id', '=', senderId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /**
   * Throws UniqueConflict ('messages.client_id') when the sender used this client id already. The
   * message returned is built from what was written, as a fresh row reads back (a test compares
   * the two for every kind of draft).
   */
  async insert(m: NewMessage): Promise<Message> {
    const d = m.draft;
    const expiresAt = d.ttl > 0 ? m.at + d.ttl * 1000 : null;
    const [row] = await guardUnique(
      insertMessage(this.db, {
        conversation_id: m.conversationId,
        sender_id: m.senderId,
        type: d.type,
        content: d.content,
        caption: d.caption,
        file_id: d.attachment?.fileId ?? null,
        attachment: d.attachment ? JSON.stringify(d.attachment) : '{}',
        reply_to_id: d.replyToId,
        forward_from_id: d.forwardFrom?.messageId ?? null,
        forward_origin: d.forwardFrom ? JSON.stringify(d.forwardFrom) : '{}',
        ttl: d.ttl,
        expires_at: expiresAt,
        send_at: m.sendAt,
        is_silent: d.isSilent ? 1 : 0,
        is_encrypted: d.isEncrypted ? 1 : 0,
        client_id: m.clientId,
        metadata: Object.keys(d.metadata).length > 0 ? JSON.stringify(d.metadata) : '{}',
        created_at: m.at,
        updated_at: m.at,
      }),
    );
    return {
      id: Number(row!.id),
      conversationId: m.conversationId,
      senderId: m.senderId,
      type: d.type,
      content: d.content,
      caption: d.caption,
      attachment: d.attachment,
      replyToId: d.replyToId,
      forwardFrom: d.forwardFrom,
      ttl: d.ttl,
      expiresAt,
      sendAt: m.sendAt,
      isSilent: d.isSilent,
      isEncrypted: d.isEncrypted,
      clientId: m.clientId,
      ...untouchedMessage,
      metadata: d.metadata,
      createdAt: m.at,
      updatedAt: m.at,
    };
  }

  /**
   * A conversation's messages as one member sees them: live, not hidden by them, newest first.
   * Walks the (conversation_id, id) index.
   */
  async list(conversationId: number, viewerId: number, filter: MessageFilter, page: PageRequest, now: number): Promise<{ items: Message[]; total: number }> {
    const base = this.db
      .selectFrom('messages')
      .where('messages.conversation_id', '=', conversationId)
      .where((eb) => live(eb, now))
      .where((eb) => notHiddenFrom(eb, viewerId))
      .where((eb) => matching(eb, filter, this.dialect));
    const oldestFirst = filter.adjacent === true && filter.after !== undefined;
    const [rows, count] = await Promise.all([
      base.selectAll('messages').orderBy('messages.id', oldestFirst ? 'asc' : 'desc').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    if (oldestFirst) rows.reverse();
    return { items: rows.map(toMessage), total: Number(count.n) };
  }

  /**
   * Messages containing `query` in every conversation the viewer belongs to, newest first: on
   * SQLite through the trigram index's candidates, or the text by chat where they cannot narrow.
   */
  async search(viewerId: number, query: string, page: PageRequest, now: number): Promise<{ items: Message[]; total: number }> {
    const candidates = await this.indexQuery(viewerId, query);
    if (candidates === null && this.dialect === 'sqlite') return this.searchByChat(viewerId, query, page, now);
    return this.inConversationsOf(viewerId, { search: query }, page, now, candidates);
  }

  /**
   * The messages matching `filter` in every conversation the viewer belongs to, as they see them,
   * newest first; with `candidates` (an FTS5 query), only among those.
   */
  async inConversationsOf(viewerId: number, filter: MessageFilter, page: PageRequest, now: number, candidates: string | null = null): Promise<{ items: Message[]; total: number }> {
    const seen = (eb: MessagesEb) => seenBy(eb, viewerId, filter, now, this.dialect);
    if (candidates === null) {
      // Newest first through the messages' ids, so the page stops at its last row; the total walks the viewer's chats.
      const base = this.db
        .selectFrom('messages')
        .innerJoin('conversation_members as cm', (j) => j.onRef('cm.conversation_id', '=', 'messages.conversation_id').on('cm.user_id', '=', viewerId))
        .where(seen);
      const [rows, count] = await Promise.all([
        base.selectAll('messages').orderBy('messages.id', 'desc').limit(page.limit).offset(page.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(toMessage), total: Number(count.n) };
    }
    // The unary plus keeps SQLite from walking the viewer's chats and probing the candidates from
    // each: membership is looked up per candidate instead.
    const chatOfMessage = sql<number>`+messages.conversation_id`;
    const [rows, count] = await Promise.all([
      // The index drives, newest candidate first (FTS5 gives row ids in either order), so the
      // page reads only as many candidates as it needs; CROSS JOIN keeps SQLite to that order.
      this.db
        .selectFrom(sql<{ rowid: number }>`messages_search`.as('s'))
        .crossJoin('messages')
        .innerJoin('conversation_members as cm', (j) => j.on('cm.conversation_id', '=', chatOfMessage).on('cm.user_id', '=', viewerId))
        .where(sql<boolean>`messages_search match ${candidates}`)
        .whereRef('messages.id', '=', sql.ref('s.rowid'))
        .where(seen)
        .selectAll('messages')
        .orderBy(sql.ref('s.rowid'), 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      this.db
        .selectFrom('messages')
        .innerJoin('conversation_members as cm', (j) => j.on('cm.conversation_id', '=', chatOfMessage).on('cm.user_id', '=', viewerId))
        .where('messages.id', 'in', sql<number>`(select rowid from messages_search where messages_search match ${candidates})`)
        .where(seen)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toMessage), total: Number(count.n) };
  }

  /**
   * A search the trigram index cannot narrow, on SQLite: through `message_text` (migration 0014),
   * where each of the viewer's chats is a run of consecutive pages, instead of `messages`, where
   * their messages lie one or two to a page among every other chat's. The table holds exactly the
   * messages with content up to its mark, and deleting a message for everyone (by hand or at its
   * self-destruct time) empties its content, so what is left to check there is the self-destruct
   * time it keeps and what the viewer hid. The messages above the mark (the last second or so,
   * not copied yet) are read from `messages`, as the scan did; the table holds none of them, as
   * rows reach it with the mark that covers them. Each statement reads the mark itself, so the two
   * parts meet in its snapshot. The page's messages are then read by id.
   */
  private async searchByChat(viewerId: number, search: string, page: PageRequest, now: number): Promise<{ items: Message[]; total: number }> {
    const copied = sql`select t.id from conversation_members cm join message_text t on t.conversation_id = cm.conversation_id
      where cm.user_id = ${viewerId} and (t.expires_at is null or t.expires_at > ${now})
        and t.id not in (select message_id from message_hidden where user_id = ${viewerId})
        and t.content like ${likeContains(search.toLowerCase())} escape '\\'`;
    // What is above the mark, as the scan reads it.
    const recent = this.db
      .selectFrom('messages')
      .innerJoin('conversation_members as cm', (j) => j.onRef('cm.conversation_id', '=', 'messages.conversation_id').on('cm.user_id', '=', viewerId))
      .where('messages.id', '>', markSql(textMarkKey))
      .where((eb) => seenBy(eb, viewerId, { search }, now, this.dialect))
      .select('messages.id');
    const [ids, count] = await Promise.all([
      sql<{ id: number }>`select id from (${copied}) union all select id from ${recent} as r order by id desc limit ${page.limit} offset ${page.offset}`.execute(this.db),
      sql<{ n: number }>`select (select count(*) from (${copied})) + (select count(*) from ${recent} as r) as n`.execute(this.db),
    ]);
    const byId = await this.byIds(ids.rows.map((r) => Number(r.id)));
    const items = ids.rows.map((r) => byId.get(Number(r.id))).filter((m): m is Message => m !== undefined);
    return { items, total: Number(count.rows[0]?.n ?? 0) };
  }

  /**
   * The FTS5 query that gives a search's candidates on SQLite, or null when reading the viewer's
   * own messages is the shorter way. Under three characters no trigram narrows anything. A rare
   * query takes its candidates from the content alone. Otherwise the query's trigrams go with the
   * viewer's chats, so the candidates are (nearly) the viewer's own messages holding them; a viewer
   * in more chats than `maxChatTerms` gets candidates from the content alone, unless they
   * outnumber the messages of the viewer's chats (a common word: each candidate costs a row
   * lookup about as dear as a row of the scan). Either way the LIKE and the membership join decide,
   * so the choice changes the time, never the answer.
   */
  private async indexQuery(viewerId: number, search: string): Promise<string | null> {
    if (this.dialect !== 'sqlite') return null;
    const trigrams = trigramsOf(search.toLowerCase());
    if (trigrams === null) return null;
    const query = ftsQuery(trigrams);
    // Counting reads only the index's lists of row ids, never a message; the limit stops the walk.
    const candidates = async (limit: number) =>
      Number((await sql<{ n: number }>`select count(*) as n from (select 1 from messages_search where messages_search match ${query} limit ${limit})`.execute(this.db)).rows[0]?.n ?? 0);
    if ((await candidates(this.tuning.rareCandidates + 1)) <= this.tuning.rareCandidates) return query;
    const chats = await this.db.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', viewerId).limit(this.tuning.maxChatTerms + 1).execute();
    // No chat: nothing can match, and the scan finds that at once.
    if (chats.length === 0) return null;
    if (chats.length <= this.tuning.maxChatTerms) return chatScopedQuery(trigrams, chats.map((c) => c.conversation_id));
    const found = await candidates(Number.MAX_SAFE_INTEGER);
    if (found <= this.tuning.fewCandidates) return query;
    const visible = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('conversation_id', 'in', (eb) => eb.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', viewerId))
      .executeTakeFirstOrThrow();
    return found < Number(visible.n) ? query : null;
  }

  /** Replaces the content; the caller records the previous one in the edit history. */
  async edit(id: number, content: string, at: number): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ content, is_edited: 1, edited_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  async addEdit(e: { messageId: number; previousContent: string; by: number; at: number }): Promise<void> {
    await this.db
      .insertInto('message_edits')
      .values({ message_id: e.messageId, content: e.previousContent, edited_by: e.by, edited_at: e.at })
      .execute();
  }

  async edits(messageId: number): Promise<MessageEdit[]> {
    const rows = await this.db.selectFrom('message_edits').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, messageId: r.message_id, content: r.content, editedBy: r.edited_by, editedAt: r.edited_at }));
  }

  /** Deletes for everyone: content, file reference and edit history go; the row stays as a tombstone. */
  async deleteForEveryone(id: number, by: number | null, at: number): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ ...scrubbed, deleted_at: at, deleted_by: by, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) await this.db.deleteFrom('message_edits').where('message_id', '=', id).execute();
    return row && toMessage(row);
  }

  /** Recall leaves a visible placeholder ("recalled") without content. */
  async recall(id: number, at: number): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ ...scrubbed, recalled_at: at, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('recalled_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) await this.db.deleteFrom('message_edits').where('message_id', '=', id).execute();
    return row && toMessage(row);
  }

  /**
   * Deletes for everyone up to `limit` messages whose self-destruct time has come. The guard on
   * deleted_at makes this a claim: when two nodes race, each row is returned to exactly one.
   */
  async expireDue(now: number, limit: number): Promise<{ id: number; conversationId: number }[]> {
    const rows = await this.db
      .updateTable('messages')
      .set({ ...scrubbed, deleted_at: now, deleted_by: null, updated_at: now })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('messages as due')
          .select('due.id')
          .where('due.expires_at', '<=', now)
          .where('due.deleted_at', 'is', null)
          .orderBy('due.expires_at')
          .limit(limit),
      )
      .where('deleted_at', 'is', null)
      .returning(['id', 'conversation_id'])
      .execute();
    if (rows.length > 0) {
      await this.db
        .deleteFrom('message_edits')
        .where(
          'message_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    }
    return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id }));
  }

  /** The earliest self-destruct time still to come (or overdue). */
  async nextExpiry(): Promise<number | null> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.min('expires_at').as('at'))
      .where('expires_at', 'is not', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row?.at == null ? null : Number(row.at);
  }

  async isHiddenFrom(messageId: number, userId: number): Promise<boolean> {
    const row = await this.db.selectFrom('message_hidden').select('message_id').where('message_id', '=', messageId).where('user_id', '=', userId).executeTakeFirst();
    return row !== undefined;
  }

  async hide(messageId: number, userId: number, at: number): Promise<boolean> {
    const r = await this.db
      .insertInto('message_hidden')
      .values({ message_id: messageId, user_id: userId, hidden_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'message_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Sets the pinned flag; undefined when it already had that value. */
  async setPinned(id: number, pinned: boolean, by: number, at: number): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set(pinned ? { is_pinned: 1, pinned_at: at, pinned_by: by } : { is_pinned: 0, pinned_at: null, pinned_by: null })
      .where('id', '=', id)
      .where('is_pinned', '=', pinned ? 0 : 1)
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** Records that a user read a message; false when already recorded. */
  async addReceipt(messageId: number, userId: number, at: number): Promise<boolean> {
    const r = await this.db
      .insertInto('message_receipts')
      .values({ message_id: messageId, user_id: userId, read_at: at })
      .onConflict((oc) => oc.columns(['message_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Records that a user read these messages, keeping earlier records; how many were new. */
  async addReceipts(messageIds: readonly number[], userId: number, at: number): Promise<number> {
    if (messageIds.length === 0) return 0;
    const r = await this.db
      .insertInto('message_receipts')
      .values(messageIds.map((id) => ({ message_id: id, user_id: userId, read_at: at })))
      .onConflict((oc) => oc.columns(['message_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0);
  }

  /** The receipts of a chat's messages from `fromMessageId` on. */
  async receiptsFrom(conversationId: number, fromMessageId: number): Promise<{ messageId: number; userId: number; readAt: number }[]> {
    const rows = await this.db
      .selectFrom('message_receipts as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .select(['r.message_id', 'r.user_id', 'r.read_at'])
      .where('m.conversation_id', '=', conversationId)
      .where('r.message_id', '>=', fromMessageId)
      .execute();
    return rows.map((r) => ({ messageId: r.message_id, userId: r.user_id, readAt: r.read_at }));
  }

  /** Who read each of these messages and when, earliest first. */
  async receipts(messageIds: readonly number[]): Promise<Map<number, { userId: number; readAt: number }[]>> {
    const out = new Map<number, { userId: number; readAt: number }[]>();
    if (messageIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('message_receipts')
      .select(['message_id', 'user_id', 'read_at'])
      .where('message_id', 'in', [...new Set(messageIds)])
      .orderBy('read_at')
      .orderBy('user_id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push({ userId: r.user_id, readAt: Number(r.read_at) });
      out.set(r.message_id, list);
    }
    return out;
  }
}
