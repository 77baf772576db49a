import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { offsetPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Me, PublicUser } from '../schemas.ts';

/** 用户管理: /api/users/*. */

const UpdateMeBody = Type.Object(
  {
    nickname: Type.Optional(field.nickname),
    bio: Type.Optional(field.bio),
    avatar: Type.Optional(field.avatar),
    username: Type.Optional(field.username),
    email: Type.Optional(field.email),
    status: Type.Optional(field.userStatus),
    status_message: Type.Optional(field.statusMessage),
    language: Type.Optional(field.language),
    theme: Type.Optional(field.theme),
  },
  { minProperties: 1 },
);

const searchPaging = offsetPaging(20);
const SearchQuery = Type.Object({
  q: Type.Optional(field.searchQuery),
  username: Type.Optional(Type.String({ ...field.searchQuery, description: 'im-suite compatibility: the im-suite web client names q so' })),
});
const SearchData = Type.Object({ users: Type.Array(PublicUser), ...searchPaging.result });

export const userRoutes = [
  route.get('/api/users/me', { summary: 'The current user', data: Me, message: '获取用户信息成功' }, async (c) => present.me(await c.services.users.me(c.me))),

  route.put('/api/users/me', { summary: 'Update the current user', body: UpdateMeBody, message: '用户信息更新成功' }, async (c) => {
    const { status_message, ...rest } = c.body;
    await c.services.users.updateMe(c.me, { ...rest, statusMessage: status_message });
  }),

  route.get(
    '/api/users/search',
    {
      summary: 'Find users by username or nickname prefix, or exact phone number (extension)',
      query: SearchQuery,
      paging: searchPaging,
      data: SearchData,
      message: '搜索成功',
    },
    async (c) => {
      const q = c.query.q ?? c.query.username;
      if (q === undefined) throw AppError.validation([{ field: 'q', message: 'is required' }]);
      const page = await c.services.users.search(c.me, q, c.page);
      return { users: page.items.map(present.publicUser), ...c.paged(page) };
    },
  ),

  route.get(
    '/api/users/{user_id}',
    { summary: "Another user's public profile", params: { user_id: userId }, data: PublicUser, message: '获取用户信息成功' },
    async (c) => present.publicUser(await c.services.users.view(c.me, c.params.user_id)),
  ),
];
