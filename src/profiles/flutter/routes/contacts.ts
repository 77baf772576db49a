import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { offsetTotalPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { idText, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { AddedContact, Contact, UpdatedContact } from '../schemas.ts';

/** 4. 联系人API: /v1/contacts. Contacts are one-directional and need no approval (C14). */

const listPaging = offsetTotalPaging(50, 100);
const ListData = Type.Object({ ...listPaging.result, contacts: Type.Array(Contact) });
const AddBody = Type.Object({ user_id: Type.String(), remark: Type.Optional(field.contactNickname) });
const UpdateBody = Type.Object({ remark: field.contactNickname });
const contact = { user_id: userId };

export const contactRoutes = [
  route.get('/v1/contacts', { summary: 'My contacts, with their status and when they were last online', paging: listPaging, data: ListData }, async (c) => {
    const page = await c.services.contacts.list(c.me, c.page);
    const now = Date.now();
    return { ...c.paged(page), contacts: page.items.map((v) => present.contact(v, now)) };
  }),

  route.post('/v1/contacts', { summary: 'Add a user to my contacts (no approval)', body: AddBody, data: AddedContact, status: 201 }, async (c) => {
    const id = userId.decode(c.body.user_id, 'user_id');
    return present.addedContact(await c.services.contacts.add(c.me, { userId: id }, c.body.remark ?? ''));
  }),

  route.patch('/v1/contacts/{user_id}', { summary: 'Change the remark of a contact', params: contact, body: UpdateBody, data: UpdatedContact }, async (c) => {
    const v = await c.services.contacts.update(c.me, c.params.user_id, { nickname: c.body.remark });
    return { user_id: idText(v.view.user.id), remark: v.contact.nickname || null };
  }),

  route.delete('/v1/contacts/{user_id}', { summary: 'Remove a user from my contacts', params: contact, status: 204 }, async (c) => {
    await c.services.contacts.remove(c.me, c.params.user_id);
  }),
];
