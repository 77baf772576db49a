import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { offsetTotalPaging } from '../../kit/paging.ts';
import { route, type Context } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { FoundUser, MeData, UpdatedMeData } from '../schemas.ts';

/** 3. 用户API: /v1/user/me and /v1/users/search. */

const inline = 'base64:';

/**
 * An avatar as the document gives it: `base64:<image>` is stored and published, and becomes its
 * absolute public link (C12); anything else is kept as given (the core checks it is a link).
 */
export async function avatarOf(c: Context, avatar: string | undefined, fieldName: string): Promise<string | undefined> {
  if (avatar === undefined || !avatar.startsWith(inline)) return avatar;
  const file = await c.services.files.publishImageData(c.me, avatar.slice(inline.length), fieldName);
  return c.links.file(present.avatarPath(file.id));
}

const UpdateBody = Type.Object({
  nickname: Type.Optional(field.nickname),
  avatar: Type.Optional(Type.String({ description: 'base64:<standard base64 of a PNG, JPEG, GIF or WebP image>, or an http(s) URL' })),
  status_message: Type.Optional(field.statusMessage),
});
const searchPaging = offsetTotalPaging(20, 100);
const SearchData = Type.Object({ ...searchPaging.result, users: Type.Array(FoundUser) });

export const userRoutes = [
  route.get('/v1/user/me', { summary: 'The current user, with status and status_message', data: MeData }, async (c) => present.me(await c.services.users.me(c.me))),

  route.patch('/v1/user/me', { summary: 'Change nickname, avatar or status_message (only the fields present)', body: UpdateBody, data: UpdatedMeData }, async (c) => {
    const b = c.body;
    const avatar = await avatarOf(c, b.avatar, 'avatar');
    const patch = { ...(b.nickname !== undefined && { nickname: b.nickname }), ...(avatar !== undefined && { avatar }), ...(b.status_message !== undefined && { statusMessage: b.status_message }) };
    return present.updatedMe((await c.services.users.updateMe(c.me, patch)).user);
  }),

  route.get(
    '/v1/users/search',
    {
      summary: 'Users whose username or nickname starts with the query, or whose email is it',
      query: Type.Object({ query: field.searchQuery }),
      paging: searchPaging,
      data: SearchData,
    },
    async (c) => {
      const page = await c.services.users.search(c.me, c.query.query, c.page, { byEmail: true });
      return { ...c.paged(page), users: page.items.map(present.found) };
    },
  ),
];
