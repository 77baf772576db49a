import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { offsetPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { ContactEntry, ContactRecord } from '../schemas.ts';

/** 联系人管理: /api/contacts. `contact_id` is the contact's user id. */

const listPaging = offsetPaging(500, 1000);
const ListData = Type.Object({ contacts: Type.Array(ContactEntry), ...listPaging.result });
const AddBody = Type.Object({
  phone: Type.Optional(field.phone),
  user_id: Type.Optional(Type.Integer({ ...IdValue, description: 'alternative to phone' })),
  nickname: Type.Optional(field.contactNickname),
});
const UpdateBody = Type.Object(
  { nickname: Type.Optional(field.contactNickname), is_blocked: Type.Optional(Type.Boolean()), is_muted: Type.Optional(Type.Boolean()) },
  { minProperties: 1 },
);
const contact = { contact_id: userId };

export const contactRoutes = [
  route.get('/api/contacts', { summary: 'My contacts', paging: listPaging, data: ListData, message: '获取联系人列表成功' }, async (c) => {
    const page = await c.services.contacts.list(c.me, c.page);
    return { contacts: page.items.map(present.contactEntry), ...c.paged(page) };
  }),

  route.post('/api/contacts', { summary: 'Add a contact by phone (or user_id)', body: AddBody, data: ContactRecord, message: '联系人添加成功' }, async (c) => {
    const b = c.body;
    const target = b.phone !== undefined ? { phone: b.phone } : b.user_id !== undefined ? { userId: b.user_id } : undefined;
    if (!target) throw AppError.validation([{ field: 'phone', message: 'is required' }]);
    return present.contactRecord(await c.services.contacts.add(c.me, target, b.nickname ?? ''));
  }),

  route.put(
    '/api/contacts/{contact_id}',
    {
      summary: "Change a contact's nickname, blocked or muted flag (extension); contact_id is the contact's user id",
      params: contact,
      body: UpdateBody,
      data: ContactEntry,
      message: '联系人更新成功',
    },
    async (c) => {
      const b = c.body;
      const updated = await c.services.contacts.update(c.me, c.params.contact_id, { nickname: b.nickname, isBlocked: b.is_blocked, isMuted: b.is_muted });
      return present.contactEntry(updated);
    },
  ),

  route.delete(
    '/api/contacts/{contact_id}',
    { summary: "Remove a contact; contact_id is the contact's user id", params: contact, message: '联系人删除成功' },
    async (c) => {
      await c.services.contacts.remove(c.me, c.params.contact_id);
    },
  ),
];
