import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import { caller } from '../../../http/guard.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import * as present from '../presenters.ts';
import { field, Me, Paging, PublicUser, UserIdParams } from '../schemas.ts';

const UpdateMeBody = Type.Object(
  {
    nickname: Type.Optional(field.nickname),
    bio: Type.Optional(field.bio),
    avatar: Type.Optional(field.avatar),
    username: Type.Optional(field.username),
    email: Type.Optional(field.email),
    status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')])),
    status_message: Type.Optional(field.statusMessage),
    language: Type.Optional(field.language),
    theme: Type.Optional(Type.Union([Type.Literal('light'), Type.Literal('dark'), Type.Literal('auto')])),
  },
  { minProperties: 1 },
);

const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 64 }), ...Paging(20) });
const SearchData = Type.Object({ users: Type.Array(PublicUser), total: Type.Integer(), has_more: Type.Boolean() });

export async function userRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/me', { schema: { summary: 'The current user', response: { 200: Envelope(Me) } } }, async (request) =>
    ok(present.me(await core.users.me(caller(request).userId)), '获取用户信息成功'),
  );

  app.put(
    '/me',
    { schema: { summary: 'Update the current user', body: UpdateMeBody, response: { 200: Envelope(Empty) } } },
    async (request) => {
      const b = request.body;
      await core.users.updateMe(caller(request).userId, {
        nickname: b.nickname,
        bio: b.bio,
        avatar: b.avatar,
        username: b.username,
        email: b.email,
        status: b.status,
        statusMessage: b.status_message,
        language: b.language,
        theme: b.theme,
      });
      return ok({}, '用户信息更新成功');
    },
  );

  app.get(
    '/search',
    {
      schema: {
        summary: 'Find users by username or nickname prefix, or exact phone number (extension)',
        querystring: SearchQuery,
        response: { 200: Envelope(SearchData) },
      },
    },
    async (request) => {
      const { q, limit, offset } = request.query;
      const page = await core.users.search(caller(request).userId, q, { limit, offset });
      return ok({ users: page.items.map(present.publicUser), total: page.total, has_more: offset + page.items.length < page.total }, '搜索成功');
    },
  );

  app.get(
    '/:user_id',
    { schema: { summary: "Another user's public profile", params: UserIdParams, response: { 200: Envelope(PublicUser) } } },
    async (request) => {
      const { user_id } = request.params;
      return ok(present.publicUser(await core.users.view(caller(request).userId, user_id)), '获取用户信息成功');
    },
  );
}
