import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { offsetMetaPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { FoundUser, User } from '../schemas.ts';

/** 用户管理接口: /v1/users/me and /v1/users/search. `name` is the account's display name (its nickname). */

const UpdateBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  avatar: Type.Optional(field.avatar),
  status: Type.Optional(field.userStatus),
});
const searchPaging = offsetMetaPaging(20, 100);
const SearchQuery = Type.Object({ q: field.searchQuery });
const SearchData = Type.Object({ users: Type.Array(FoundUser), ...searchPaging.result });

export const userRoutes = [
  route.get('/v1/users/me', { summary: 'The current user', data: User }, async (c) => present.user((await c.services.users.me(c.me)).user, await present.placesOf(c.services, [c.me]))),

  route.put(
    '/v1/users/me',
    { summary: 'Change name, avatar or status (only those present); others who share a chat see the change', body: UpdateBody, data: User },
    async (c) => {
      const b = c.body;
      const patch = { ...(b.name !== undefined && { nickname: b.name }), ...(b.avatar !== undefined && { avatar: b.avatar }), ...(b.status !== undefined && { status: b.status }) };
      return present.user((await c.services.users.updateMe(c.me, patch)).user, await present.placesOf(c.services, [c.me]));
    },
  ),

  route.get(
    '/v1/users/search',
    { summary: 'Users whose name starts with q (any case), or whose email is q', query: SearchQuery, paging: searchPaging, data: SearchData },
    async (c) => {
      const page = await c.services.users.search(c.me, c.query.q, c.page, { byEmail: true, nameOnly: true });
      const places = await present.placesOf(c.services, page.items.map((v) => v.user.id));
      return { users: page.items.map((v) => present.found(v, places)), ...c.paged(page) };
    },
  ),
];
