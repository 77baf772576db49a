import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { ProfileData, UpdatedProfileData } from '../schemas.ts';
import { OptionalPhone, phoneOf } from './auth.ts';

/** 2. 用户相关接口: /api/v1/user/profile. */

const UpdateBody = Type.Object({ username: Type.Optional(field.username), avatar: Type.Optional(field.avatar), phone: OptionalPhone });

export const userRoutes = [
  route.get('/api/v1/user/profile', { summary: 'The current user', data: ProfileData, message: 'success' }, async (c) => present.profile((await c.services.users.me(c.me)).user)),

  route.put(
    '/api/v1/user/profile',
    {
      summary: 'Change username, avatar or phone (only the fields present)',
      description: 'A phone of "" leaves the phone as it is; email and created_at never change here.',
      body: UpdateBody,
      data: UpdatedProfileData,
      message: 'success',
    },
    async (c) => {
      const { username, avatar } = c.body;
      const phone = phoneOf(c.body.phone);
      const patch = { ...(username !== undefined && { username }), ...(avatar !== undefined && { avatar }), ...(phone !== undefined && { phone }) };
      return present.updated((await c.services.users.updateMe(c.me, patch)).user);
    },
  ),
];
