import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import { stringId } from '../../kit/ids.ts';
import { idText } from '../ids.ts';
import { LoginData, RegisterData, TokenData } from '../schemas.ts';

/** 2. 认证API: /v1/auth/*. */

const RegisterBody = Type.Object({
  username: field.username,
  password: field.password,
  email: Type.Optional(field.email),
  nickname: Type.Optional(field.nickname),
});
const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 254 }), password: field.loginPassword });
// `code` is required by the service once the provider is known, so an unknown provider is 404 whatever the body (C9).
const OAuthBody = Type.Object({ code: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })), redirect_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) });
const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) });

const anonymous = { auth: false, rate: 'auth' } as const;

export const authRoutes = [
  route.post(
    '/v1/auth/register',
    { ...anonymous, summary: 'Register; the token answered works at once', description: 'A username or email already taken answers 409.', body: RegisterBody, data: RegisterData, status: 201 },
    async (c) => {
      const b = c.body;
      const result = await c.services.auth.register({ username: b.username, password: b.password, email: b.email, nickname: b.nickname }, c.device());
      return { user_id: idText(result.user.id), username: result.user.username ?? '', token: result.accessToken };
    },
  ),

  route.post(
    '/v1/auth/login',
    { ...anonymous, summary: 'Log in with username and password', description: 'A wrong password and an unknown username both answer 401.', body: LoginBody, data: LoginData },
    async (c) => {
      const result = await c.services.auth.login({ identifier: { username: c.body.username }, password: c.body.password }, c.device()).catch((err: unknown) => {
        throw err instanceof AppError && err.code === 'USER_NOT_FOUND' ? new AppError('WRONG_PASSWORD', 'wrong username or password') : err;
      });
      return { user_id: idText(result.user.id), username: result.user.username ?? '', token: result.accessToken, refresh_token: result.refreshToken };
    },
  ),

  route.post(
    '/v1/auth/oauth/{provider}',
    {
      ...anonymous,
      summary: 'Sign in with an authorization code from google or github; the account is created on first use',
      description: 'A provider the server has not configured answers 400; any other provider 404. The user is found by the provider account, else its verified email.',
      params: { provider: stringId({ notFound: 'NOT_FOUND' }, 'google or github', 32) },
      body: OAuthBody,
      data: LoginData,
    },
    async (c) => {
      const result = await c.services.oauth.signIn(c.params.provider, { code: c.body.code, redirectUri: c.body.redirect_uri }, c.device());
      return { user_id: idText(result.user.id), username: result.user.username ?? '', token: result.accessToken, refresh_token: result.refreshToken };
    },
  ),

  route.post(
    '/v1/auth/refresh',
    {
      ...anonymous,
      summary: 'A new token and a new refresh token for a refresh token (each works once)',
      description: 'A used or unknown refresh token answers 401; reusing one ends its session.',
      body: RefreshBody,
      data: TokenData,
    },
    async (c) => {
      const pair = await c.services.auth.refresh(c.body.refresh_token);
      return { token: pair.accessToken, refresh_token: pair.refreshToken };
    },
  ),
];
