import { AppError } from '../domain/errors.ts';
import type { AnyEvent, DomainEvent } from '../domain/events.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { EventLog } from './event-log.ts';
import type { MessageService, SendInput, SendResult } from './messages.ts';

/** What a change is about, in the core's terms (documents name them their way). */
export type SyncKind = 'message' | 'conversation' | 'user';
export type SyncAction = 'create' | 'update' | 'delete';

/** One change a client applies to its local copy, with the event it comes from. */
export interface SyncChange {
  kind: SyncKind;
  action: SyncAction;
  entityId: number;
  /** Increases along the stream (the event's seq). */
  version: number;
  at: number;
  event: DomainEvent;
}

export interface SyncPage {
  changes: SyncChange[];
  hasMore: boolean;
  /** Where the next call continues: after the last change returned, or the current position. */
  cursor: string;
}

/** Where a sync starts: after a cursor this server issued, or after an instant. */
export type SyncSince = { after: number } | { time: number };

export interface SyncOptions {
  kinds: ReadonlySet<SyncKind>;
  limit: number;
  /** Leaves changes out besides the kinds (e.g. notices a document does not show). */
  keep?(change: SyncChange): boolean;
}

/** A local create uploaded for the server to apply; `invalid` when the document could not read it. */
export type UploadItem =
  | { clientId: string; kind: 'message.create'; conversationId: number; input: SendInput }
  | { clientId: string; kind: 'invalid'; error: AppError };

export type UploadResult = { clientId: string; ok: true; result: SendResult } | { clientId: string; ok: false; error: AppError };

export const syncLimits = { maxLimit: 500, maxUpload: 100 };

const cursorPattern = /^c1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/;
const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Events read per query while a page fills up with changes the caller asked for. */
const SCAN_BATCH = 500;

function changeOf(e: AnyEvent, userId: number): Omit<SyncChange, 'version' | 'at' | 'event'> | null {
  switch (e.type) {
    case 'message.created':
      return { kind: 'message', action: 'create', entityId: e.data.message.id };
    case 'message.edited':
      return { kind: 'message', action: 'update', entityId: e.data.message.id };
    case 'message.recalled':
      return { kind: 'message', action: 'update', entityId: e.data.messageId };
    case 'message.deleted':
    case 'message.hidden':
      return { kind: 'message', action: 'delete', entityId: e.data.messageId };
    case 'conversation.created':
      // Someone added later has the chat from the member.added below, once.
      return e.data.members.some((m) => m.userId === userId) ? { kind: 'conversation', action: 'create', entityId: e.data.conversation.id } : null;
    case 'conversation.updated':
      return { kind: 'conversation', action: 'update', entityId: e.data.conversation.id };
    case 'member.added':
      // For whoever was added the chat is new: it was made for them as far as they can tell.
      return { kind: 'conversation', action: e.data.members.some((m) => m.userId === userId) ? 'create' : 'update', entityId: e.data.conversationId };
    case 'member.removed':
      // The one who left or was removed no longer has the chat; the others see it change.
      return { kind: 'conversation', action: e.audience.kind === 'user' && e.data.userId === userId ? 'delete' : 'update', entityId: e.data.conversationId };
    case 'member.updated':
      return { kind: 'conversation', action: 'update', entityId: e.data.member.conversationId };
    case 'user.updated':
      return { kind: 'user', action: 'update', entityId: e.data.user.id };
    default:
      return null;
  }
}

/**
 * Incremental sync over the event log, for offline-first clients: the changes a user may see
 * after a cursor (or an instant), in the order they happened, each once, with a cursor for the
 * next call; and the batch upload of local creates, each applied on its own.
 *
 * A cursor is the seq it stands after, signed with the server's key, so a client cannot forge one
 * nor mistake another server's. A page reads the log only up to the head seen when it started:
 * every seq below it is committed (seqs commit in order), so a later page never finds an earlier
 * change it skipped. A cursor (or instant) older than what the log still holds (EVENT_RETENTION)
 * cannot be continued without missing changes: it is refused as a validation problem of its
 * field, and the client reloads its state and syncs from the current position (any instant
 * from now on gives it).
 */
export class SyncService {
  constructor(
    private readonly store: Store,
    private readonly eventLog: EventLog,
    private readonly sign: (text: string) => string,
    private readonly messages: MessageService,
    private readonly clock: Clock,
    private readonly opts: { retentionMs: number },
  ) {}

  /** A cursor for the position after `seq`. */
  cursor(seq: number): string {
    return `c1.${seq.toString(36)}.${this.signature(seq)}`;
  }

  private signature(seq: number): string {
    return this.sign(`sync:${seq}`).slice(0, 22);
  }

  /** Reads `since` as given by a client: a cursor this server issued, or an ISO 8601 instant. */
  parseSince(text: string, field: string): SyncSince {
    const m = cursorPattern.exec(text);
    if (m) {
      const seq = parseInt(m[1]!, 36);
      if (Number.isSafeInteger(seq) && this.signature(seq) === m[2]) return { after: seq };
    } else if (isoPattern.test(text)) {
      const time = Date.parse(text);
      if (Number.isFinite(time)) return { time };
    }
    throw AppError.validation([{ field, message: 'must be an ISO 8601 time or a nextToken this server returned' }]);
  }

  async changes(userId: number, since: SyncSince, field: string, opts: SyncOptions): Promise<SyncPage> {
    const head = await this.eventLog.latestSeq();
    let after = await this.start(since, head, field);
    // One change more than asked for tells whether there are more, without returning it.
    const changes: SyncChange[] = [];
    while (changes.length <= opts.limit) {
      const batch = await this.store.events.syncFor(userId, after, head, SCAN_BATCH);
      for (const event of batch) {
        const change = changeOf(event as AnyEvent, userId);
        if (change === null || !opts.kinds.has(change.kind)) continue;
        const full: SyncChange = { ...change, version: event.seq, at: event.at, event };
        if (opts.keep && !opts.keep(full)) continue;
        changes.push(full);
        if (changes.length > opts.limit) break;
      }
      if (batch.length < SCAN_BATCH) break;
      after = batch[batch.length - 1]!.seq;
    }
    if (changes.length > opts.limit) {
      const page = changes.slice(0, opts.limit);
      return { changes: page, hasMore: true, cursor: this.cursor(page[page.length - 1]!.version) };
    }
    return { changes, hasMore: false, cursor: this.cursor(head) };
  }

  /** The seq a sync starts after, refusing a position the log no longer holds everything after. */
  private async start(since: SyncSince, head: number, field: string): Promise<number> {
    const expired = () => AppError.validation([{ field, message: 'is older than the change history this server keeps; reload and sync from now' }]);
    if ('after' in since) {
      const check = await this.eventLog.checkReplay(since.after);
      if (!check.ok && check.reason === 'expired') throw expired();
      if (!check.ok) throw AppError.validation([{ field, message: 'is not a position this server has reached' }]);
      return since.after;
    }
    if (since.time < this.clock.now() - this.opts.retentionMs && (await this.eventLog.prunedThrough()) > 0) throw expired();
    const first = await this.store.events.firstSeqAfter(since.time);
    return first === undefined ? head : Math.min(first - 1, head);
  }

  /**
   * Applies uploaded local creates in the given order, each on its own: one that fails does not
   * stop the others, and a create already applied (the same client id from the same sender)
   * answers the first result again, so an upload retried after a lost answer stores nothing twice.
   */
  async upload(userId: number, items: readonly UploadItem[]): Promise<UploadResult[]> {
    const results: UploadResult[] = [];
    for (const item of items) {
      if (item.kind === 'invalid') {
        results.push({ clientId: item.clientId, ok: false, error: item.error });
        continue;
      }
      try {
        const result = await this.messages.send(userId, item.conversationId, { ...item.input, clientId: item.clientId });
        results.push({ clientId: item.clientId, ok: true, result });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ clientId: item.clientId, ok: false, error: err });
      }
    }
    return results;
  }
}
