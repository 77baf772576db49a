import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { usernameOrEmail } from '../../../services/auth.ts';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { LoginData, RegisterData, TokenData } from '../schemas.ts';

/** 认证接口: /api/v1/auth/*. */

const RegisterBody = Type.Object({
  username: field.username,
  email: field.email,
  password: field.password,
  confirm_password: field.loginPassword,
});
const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 254 }), password: field.loginPassword });

const anonymous = { auth: false, rate: 'auth' } as const;

export const authRoutes = [
  route.post('/api/v1/auth/register', { ...anonymous, summary: 'Register with username, email and password', body: RegisterBody, data: RegisterData, message: '注册成功' }, async (c) => {
    const b = c.body;
    if (b.confirm_password !== b.password) throw AppError.validation([{ field: 'confirm_password', message: 'must equal password' }]);
    const result = await c.services.auth.register({ username: b.username, email: b.email, password: b.password }, c.device());
    return { user_id: result.user.id, username: result.user.username ?? '', email: result.user.email ?? '', access_token: result.accessToken, token_type: 'bearer' as const };
  }),

  route.post(
    '/api/v1/auth/login',
    { ...anonymous, summary: 'Log in with username (or the account\'s email) and password', description: 'A `username` with an @ is taken as the account\'s email. A wrong password and an unknown username both answer AUTH_003.', body: LoginBody, data: LoginData, message: '登录成功' },
    async (c) => {
      const result = await c.services.auth.login({ identifier: usernameOrEmail(c.body.username), password: c.body.password }, c.device()).catch((err: unknown) => {
        // The document has one answer for both: no account tells nothing apart from a wrong password.
        throw err instanceof AppError && err.code === 'USER_NOT_FOUND' ? new AppError('WRONG_PASSWORD', 'wrong username or password') : err;
      });
      return { access_token: result.accessToken, token_type: 'bearer' as const, expires_in: result.expiresIn, user: present.account(result.user) };
    },
  ),

  route.post(
    '/api/v1/auth/refresh',
    {
      rate: 'auth',
      summary: 'A new access token from the current one (sent as Authorization: Bearer, no body)',
      description: 'The session goes on: the token used keeps working until it expires or the session is logged out.',
      data: TokenData,
      message: '令牌刷新成功',
    },
    async (c) => {
      const t = await c.services.auth.reissue(c.session);
      return { access_token: t.accessToken, token_type: 'bearer' as const, expires_in: t.expiresIn };
    },
  ),

  route.post('/api/v1/auth/logout', { rate: 'auth', summary: 'End this session: its token stops working everywhere', message: '登出成功' }, async (c) => {
    await c.services.auth.logout(c.session);
  }),
];
