import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Core } from '../../../core.ts';
import { AppError } from '../../../domain/errors.ts';
import { deviceOf } from '../../../http/device.ts';
import { caller } from '../../../http/guard.ts';
import type { LoginIdentifier } from '../../../store/repos/users.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import * as present from '../presenters.ts';
import { AuthData, field, TokenData } from '../schemas.ts';

const RegisterBody = Type.Object({
  phone: field.phone,
  password: field.password,
  username: Type.Optional(field.username),
  nickname: Type.Optional(field.nickname),
  email: Type.Optional(field.email),
  code: Type.Optional(field.code),
  device_id: Type.Optional(field.deviceId),
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

export async function authRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { auth: false, rateClass: 'auth' } as const;

  app.post(
    '/register',
    { config: auth, schema: { summary: 'Register with phone and password', body: RegisterBody, response: { 200: Envelope(AuthData) } } },
    async (request) => {
      const body = request.body;
      const result = await core.auth.register(body, deviceOf(request, { deviceId: body.device_id }));
      return ok(present.authData(result, core.presence.isOnline(result.user.id)), '注册成功');
    },
  );

  app.post(
    '/login',
    {
      config: auth,
      schema: {
        summary: 'Log in with phone and password, or phone and verification code',
        description: 'When both password and code are given, the password is checked. username or email may replace phone.',
        body: LoginBody,
        response: { 200: Envelope(AuthData) },
      },
    },
    async (request) => {
      const body = request.body;
      const result = await core.auth.login(
        { identifier: identifierOf(body), password: body.password || undefined, code: body.code || undefined },
        deviceOf(request, { deviceId: body.device_id }),
      );
      return ok(present.authData(result, core.presence.isOnline(result.user.id)), '登录成功');
    },
  );

  app.post(
    '/refresh',
    { config: auth, schema: { summary: 'Exchange a refresh token for a new token pair (rotation)', body: RefreshBody, response: { 200: Envelope(TokenData) } } },
    async (request) => {
      const { refresh_token } = request.body;
      return ok(present.tokens(await core.auth.refresh(refresh_token)), '令牌刷新成功');
    },
  );

  app.post(
    '/logout',
    { config: { rateClass: 'auth' }, schema: { summary: 'End this session: its access and refresh tokens stop working', response: { 200: Envelope(Empty) } } },
    async (request) => {
      await core.auth.logout(caller(request));
      return ok({}, '登出成功');
    },
  );

  app.post(
    '/code',
    {
      config: auth,
      schema: {
        summary: 'Send a 6-digit verification code to a phone (extension)',
        description: 'The code is valid for CODE_TTL (5 minutes), allows CODE_MAX_ATTEMPTS (5) tries, and one code per CODE_RESEND_INTERVAL may be requested.',
        body: CodeBody,
        response: { 200: Envelope(CodeData) },
      },
    },
    async (request) => {
      const { phone } = request.body;
      const sent = await core.auth.requestCode(phone);
      return ok({ expires_in: sent.expiresIn, resend_after: sent.resendAfter }, '验证码已发送');
    },
  );
}
