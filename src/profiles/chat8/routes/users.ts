import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { ProfileData, Status, StatusData, UpdatedProfileData } from '../schemas.ts';

/** 用户管理: /api/v1/user/*. */

const UpdateBody = Type.Object({ username: Type.Optional(field.username), email: Type.Optional(field.email), avatar: Type.Optional(field.avatar) });
const PasswordBody = Type.Object({
  current_password: field.loginPassword,
  new_password: field.password,
  confirm_password: field.loginPassword,
});

export const userRoutes = [
  route.get('/api/v1/user/profile', { summary: 'The current user', data: ProfileData, message: '获取用户信息成功' }, async (c) =>
    present.profile(await c.services.users.me(c.me)),
  ),

  route.put(
    '/api/v1/user/profile',
    { summary: 'Change username, email or avatar (only the fields present)', body: UpdateBody, data: UpdatedProfileData, message: '用户资料已更新' },
    async (c) => present.account((await c.services.users.updateMe(c.me, c.body)).user),
  ),

  route.put(
    '/api/v1/user/password',
    { summary: 'Change the password (the current one is checked); the other sessions end', body: PasswordBody, message: '密码修改成功' },
    async (c) => {
      const b = c.body;
      if (b.confirm_password !== b.new_password) throw AppError.validation([{ field: 'confirm_password', message: 'must equal new_password' }]);
      await c.services.auth.changePassword(c.session, b.current_password, b.new_password);
    },
  ),

  route.put(
    '/api/v1/user/status',
    { summary: 'Set the status shown to friends', body: Type.Object({ status: Status }), data: StatusData, message: '状态已更新' },
    async (c) => ({ status: present.status((await c.services.users.setStatus(c.me, c.body.status)).availability) }),
  ),
];
