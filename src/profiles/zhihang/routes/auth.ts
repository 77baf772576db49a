import { Type, type Static } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { LoginIdentifier } from '../../../services/auth.ts';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { AuthData, TokenData } from '../schemas.ts';

/** 用户认证: /api/auth/*. */

const code = Type.String({ ...field.code, description: 'the 6-digit code from POST /api/auth/code' });

const RegisterBody = Type.Object({
  phone: field.phone,
  password: field.password,
  username: Type.Optional(field.username),
  nickname: Type.Optional(field.nickname),
  email: Type.Optional(field.email),
  code: Type.Optional(code),
  device_id: Type.Optional(field.deviceId),
  department: Type.Optional(
    Type.String({
      ...field.departmentPath,
      description:
        'extension: the department, as names from the top separated by / (each 1 to 64 characters, at most 10 levels); missing departments are created, so accounts naming the same path share them',
    }),
  ),
  position: Type.Optional(Type.String({ ...field.position, description: 'extension: the job title, up to 64 characters' })),
});

const LoginBody = Type.Object({
  phone: Type.Optional(field.phone),
  username: Type.Optional(Type.String({ maxLength: 64 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  password: Type.Optional(field.loginPassword),
  code: Type.Optional(field.loginCode),
  device_id: Type.Optional(field.deviceId),
});

const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) });
const CodeBody = Type.Object({ phone: field.phone });
const CodeData = Type.Object({
  expires_in: Type.Integer({ description: 'seconds the code stays valid' }),
  resend_after: Type.Integer({ description: 'seconds before another code may be requested' }),
});

function identifierOf(body: Static<typeof LoginBody>): LoginIdentifier {
  if (body.phone) return { phone: body.phone };
  if (body.email) return { email: body.email };
  if (body.username) return { username: body.username };
  throw AppError.validation([{ field: 'phone', message: 'is required' }]);
}

const anonymous = { auth: false, rate: 'auth' } as const;

export const authRoutes = [
  route.post('/api/auth/register', { ...anonymous, summary: 'Register with phone and password (and, as an extension, a department and position)', body: RegisterBody, data: AuthData, message: '注册成功' }, async (c) => {
    const result = await c.services.auth.register(c.body, c.device({ deviceId: c.body.device_id }));
    return present.authData(result, c.services.users.isOnline(result.user));
  }),

  route.post(
    '/api/auth/login',
    {
      ...anonymous,
      summary: 'Log in with phone and password, or phone and verification code',
      description: 'When both password and code are given, the password is checked. username or email may replace phone.',
      body: LoginBody,
      data: AuthData,
      message: '登录成功',
    },
    async (c) => {
      const b = c.body;
      const result = await c.services.auth.login(
        { identifier: identifierOf(b), password: b.password || undefined, code: b.code || undefined },
        c.device({ deviceId: b.device_id }),
      );
      return present.authData(result, c.services.users.isOnline(result.user));
    },
  ),

  route.post(
    '/api/auth/refresh',
    { ...anonymous, summary: 'Exchange a refresh token for a new token pair (rotation)', body: RefreshBody, data: TokenData, message: '令牌刷新成功' },
    async (c) => present.tokens(await c.services.auth.refresh(c.body.refresh_token)),
  ),

  route.post(
    '/api/auth/logout',
    { rate: 'auth', summary: 'End this session: its access and refresh tokens stop working', message: '登出成功' },
    async (c) => {
      await c.services.auth.logout(c.session);
    },
  ),

  route.post(
    '/api/auth/code',
    {
      ...anonymous,
      summary: 'Send a 6-digit verification code to a phone (extension)',
      description: 'The code is valid for CODE_TTL (5 minutes), allows CODE_MAX_ATTEMPTS (5) tries, and one code per CODE_RESEND_INTERVAL may be requested.',
      body: CodeBody,
      data: CodeData,
      message: '验证码已发送',
    },
    async (c) => {
      const sent = await c.services.auth.requestCode(c.body.phone);
      return { expires_in: sent.expiresIn, resend_after: sent.resendAfter };
    },
  ),
];
