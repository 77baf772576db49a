import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import { AppError } from '../../../domain/errors.ts';
import { caller } from '../../../http/guard.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import * as present from '../presenters.ts';
import { ContactEntry, ContactIdParams, ContactRecord, field, Paging } from '../schemas.ts';

const ListQuery = Type.Object(Paging(500, 1000));
const ListData = Type.Object({ contacts: Type.Array(ContactEntry), total: Type.Integer(), has_more: Type.Boolean() });
const AddBody = Type.Object({
  phone: Type.Optional(field.phone),
  user_id: Type.Optional(Type.Integer({ minimum: 1, description: 'alternative to phone' })),
  nickname: Type.Optional(field.contactNickname),
});
const UpdateBody = Type.Object(
  { nickname: Type.Optional(field.contactNickname), is_blocked: Type.Optional(Type.Boolean()), is_muted: Type.Optional(Type.Boolean()) },
  { minProperties: 1 },
);

export async function contactRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/',
    { schema: { summary: 'My contacts', querystring: ListQuery, response: { 200: Envelope(ListData) } } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await core.contacts.list(caller(request).userId, { limit, offset });
      return ok({ contacts: page.items.map(present.contactEntry), total: page.total, has_more: offset + page.items.length < page.total }, '获取联系人列表成功');
    },
  );

  app.post(
    '/',
    { schema: { summary: 'Add a contact by phone (or user_id)', body: AddBody, response: { 200: Envelope(ContactRecord) } } },
    async (request) => {
      const b = request.body;
      const target = b.phone !== undefined ? { phone: b.phone } : b.user_id !== undefined ? { userId: b.user_id } : undefined;
      if (!target) throw AppError.validation([{ field: 'phone', message: 'is required' }]);
      const added = await core.contacts.add(caller(request).userId, target, b.nickname ?? '');
      return ok(present.contactRecord(added), '联系人添加成功');
    },
  );

  app.put(
    '/:contact_id',
    {
      schema: {
        summary: "Change a contact's nickname, blocked or muted flag (extension); contact_id is the contact's user id",
        params: ContactIdParams,
        body: UpdateBody,
        response: { 200: Envelope(ContactEntry) },
      },
    },
    async (request) => {
      const { contact_id } = request.params;
      const b = request.body;
      const updated = await core.contacts.update(caller(request).userId, contact_id, {
        nickname: b.nickname,
        isBlocked: b.is_blocked,
        isMuted: b.is_muted,
      });
      return ok(present.contactEntry(updated), '联系人更新成功');
    },
  );

  app.delete(
    '/:contact_id',
    { schema: { summary: "Remove a contact; contact_id is the contact's user id", params: ContactIdParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      const { contact_id } = request.params;
      await core.contacts.remove(caller(request).userId, contact_id);
      return ok({}, '联系人删除成功');
    },
  );
}
