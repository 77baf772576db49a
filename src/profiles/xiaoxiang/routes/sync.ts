import { Type, type Static } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { DomainEvent } from '../../../domain/events.ts';
import type { Message as CoreMessage } from '../../../domain/types.ts';
import { compileStrict, fieldProblems } from '../../../http/validation.ts';
import { syncLimits, type SyncChange, type SyncKind, type UploadItem } from '../../../services/sync.ts';
import { successDataMeta } from '../../kit/envelopes.ts';
import { errorTable } from '../../kit/errors.ts';
import { field } from '../../kit/fields.ts';
import { route, type Context } from '../../kit/route.ts';
import { isoMillis } from '../../kit/time.ts';
import { errors } from '../errors.ts';
import { idText } from '../ids.ts';
import * as present from '../presenters.ts';
import { Changes, type Change, Uploaded } from '../schemas.ts';
import { SendBody, sendInput } from '../sending.ts';
import { shownChats } from './chats.ts';
import { shown } from './messages.ts';

/**
 * 数据同步接口: /v1/sync. Changes come from the event log through the sync service; this maps
 * them to the document's `{id, type, action, data, timestamp, version}` with each entity shown
 * as the rest of this API shows it.
 */

const ChangesQuery = Type.Object({
  since: Type.String({ minLength: 1, maxLength: 200, description: 'an ISO 8601 time, or a nextToken' }),
  nextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'wins over since' })),
  types: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated: messages, chats, users (departments is accepted and yields nothing)' })),
  limit: Type.Integer({ minimum: 1, maximum: syncLimits.maxLimit, default: 100 }),
});
const UploadBody = Type.Object({
  changes: Type.Array(Type.Unknown(), { maxItems: syncLimits.maxUpload }),
  deviceId: Type.Optional(Type.String({ maxLength: 128 })),
});
const LocalChange = Type.Object({
  type: Type.String(),
  action: Type.String(),
  data: Type.Unknown(),
  clientId: field.clientId,
  timestamp: Type.Optional(Type.String()),
});

const kinds: Record<string, SyncKind | null> = { messages: 'message', chats: 'conversation', users: 'user', departments: null };
const typeNames: Record<SyncKind, Static<typeof Change>['type']> = { message: 'messages', conversation: 'chats', user: 'users' };

function parseTypes(text: string | undefined): Set<SyncKind> {
  if (text === undefined) return new Set(['message', 'conversation', 'user']);
  const wanted = new Set<SyncKind>();
  for (const name of text.split(',').map((t) => t.trim())) {
    if (!Object.hasOwn(kinds, name)) throw AppError.validation([{ field: 'types', message: 'must be a comma-separated list of messages, chats, users, departments' }]);
    const kind = kinds[name];
    if (kind) wanted.add(kind);
  }
  return wanted;
}

/** Notices and call records are not messages of this document, so they are no changes of it either. */
const keep = (c: SyncChange) => c.event.type !== 'message.created' || present.isDocumentMessage((c.event as DomainEvent<'message.created'>).data.message);

/**
 * Each change's data: a message as its own event left it (with who read it now), so a change
 * reads the same whatever page it comes in; chats and users as they are now.
 */
async function dataOf(c: Context, changes: readonly SyncChange[]): Promise<unknown[]> {
  const carriers = changes.filter((ch) => ch.event.type === 'message.created' || ch.event.type === 'message.edited');
  const shownSnapshots = await shown(
    c,
    carriers.map((ch) => (ch.event as DomainEvent<'message.created'>).data.message),
  );
  const snapshots = new Map(carriers.map((ch, i) => [ch, shownSnapshots[i]!]));
  const chatIds = [...new Set(changes.filter((ch) => ch.kind === 'conversation' && ch.action !== 'delete').map((ch) => ch.entityId))];
  // A chat the caller has left since has no details for them: its change carries only its id.
  const details = (await Promise.all(chatIds.map((id) => c.services.conversations.detail(c.me, id, { byUsers: true }).catch(() => undefined)))).filter((d) => d !== undefined);
  const shownList = await shownChats(c, details);
  const chats = new Map<number, unknown>(details.map((d, i) => [d.conversation.id, shownList[i]]));
  const userIds = [...new Set(changes.filter((ch) => ch.kind === 'user').map((ch) => ch.entityId))];
  const [places, views] = await Promise.all([present.placesOf(c.services, userIds), c.services.users.viewsByIds(c.me, userIds)]);
  return Promise.all(
    changes.map(async (ch) => {
      const e = ch.event;
      if (ch.kind === 'user') {
        const now = views.get(ch.entityId);
        return present.found({ user: (e as DomainEvent<'user.updated'>).data.user, shownStatus: now?.shownStatus ?? 'offline' }, places);
      }
      if (ch.kind === 'conversation') return chats.get(ch.entityId) ?? { id: idText(ch.entityId) };
      const conversationId = (e.data as { conversationId?: number; message?: CoreMessage }).conversationId ?? (e.data as { message: CoreMessage }).message.conversationId;
      if (ch.action === 'delete') return { id: idText(ch.entityId), chatId: idText(conversationId) };
      const snapshot = snapshots.get(ch);
      if (snapshot) return snapshot;
      const now = await c.services.messages.get(c.me, ch.entityId).catch(() => undefined);
      return now ? (await shown(c, [now.message]))[0]! : { id: idText(ch.entityId), chatId: idText(conversationId) };
    }),
  );
}

const table = errorTable(successDataMeta, errors);
const readChange = compileStrict<Static<typeof LocalChange>>(LocalChange);
const readSend = compileStrict<Static<typeof SendBody>>(SendBody);

/** One uploaded change as the sync service takes it; what cannot be applied fails alone. */
function uploadItem(raw: unknown, index: number): UploadItem {
  const clientId = typeof raw === 'object' && raw !== null && typeof (raw as { clientId?: unknown }).clientId === 'string' ? (raw as { clientId: string }).clientId : '';
  const invalid = (error: AppError): UploadItem => ({ clientId, kind: 'invalid', error });
  if (!readChange(raw)) return invalid(AppError.validation(fieldProblems(readChange.errors ?? [], `changes[${index}]`)));
  if (raw.type !== 'message' || raw.action !== 'create') return invalid(AppError.validation([{ field: `changes[${index}].type`, message: 'only message creates can be uploaded' }]));
  if (!readSend(raw.data)) return invalid(AppError.validation(fieldProblems(readSend.errors ?? [], `changes[${index}].data`)));
  try {
    const { conversationId, input } = sendInput(raw.data, raw.clientId);
    return { clientId, kind: 'message.create', conversationId, input };
  } catch (err) {
    if (err instanceof AppError) return invalid(err);
    throw err;
  }
}

export const syncRoutes = [
  route.get(
    '/v1/sync/changes',
    {
      summary: 'What changed after since (an ISO time or a nextToken), in order, each once, only what I may see',
      description:
        'Continue with since=<nextToken> or nextToken=<nextToken> (which wins). A since older than the change history kept (EVENT_RETENTION) is VALIDATION_ERROR: reload, then sync from now.',
      query: ChangesQuery,
      data: Changes,
    },
    async (c) => {
      const q = c.query;
      const from = q.nextToken === undefined ? { text: q.since, field: 'since' } : { text: q.nextToken, field: 'nextToken' };
      const since = c.services.sync.parseSince(from.text, from.field);
      const page = await c.services.sync.changes(c.me, since, from.field, { kinds: parseTypes(q.types), limit: q.limit, keep });
      const data = await dataOf(c, page.changes);
      const changes = page.changes.map((ch, i) => ({
        id: idText(ch.entityId),
        type: typeNames[ch.kind],
        action: ch.action,
        data: data[i],
        timestamp: isoMillis(ch.at),
        version: ch.version,
      }));
      return { changes, hasMore: page.hasMore, nextToken: page.cursor };
    },
  ),

  route.post(
    '/v1/sync/upload',
    {
      rate: 'send',
      summary: 'Apply local creates in order, each on its own; a clientId applied before answers the same message again',
      description: 'Supports type "message" with action "create" (data: a POST /messages body). At most 100 changes.',
      body: UploadBody,
      data: Uploaded,
    },
    async (c) => {
      const results = await c.services.sync.upload(c.me, c.body.changes.map(uploadItem));
      return {
        results: results.map((r) => {
          if (!r.ok) {
            const p = table.parts(r.error, c.request.id, Date.now());
            return { clientId: r.clientId, status: 'failed' as const, error: { code: String(p.code), message: p.detail || p.message } };
          }
          const id = r.result.kind === 'sent' ? r.result.view.message.id : r.result.scheduled.id;
          return { clientId: r.clientId, status: 'applied' as const, id: idText(id) };
        }),
        processed: results.flatMap((r) => (r.ok ? [r.clientId] : [])),
        conflicts: [],
      };
    },
  ),
];
