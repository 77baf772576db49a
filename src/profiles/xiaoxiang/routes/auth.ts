import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { limits } from '../../../domain/validation.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { Tokens } from '../schemas.ts';

/** 认证接口: /v1/auth/*. Accounts are made elsewhere (the primary API, `parley user add`). */

const DeviceId = Type.String({ minLength: 1, maxLength: 128 });
const DeviceInfo = Type.Object(
  {
    platform: Type.Optional(Type.String({ maxLength: 32 })),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    model: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { description: 'kept with the device\'s session' },
);
const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: limits.password.maxLength }), deviceId: DeviceId, deviceInfo: Type.Optional(DeviceInfo) });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) });
const LogoutBody = Type.Object({ deviceId: Type.Optional(DeviceId) });

/** One answer for an unknown email and a wrong password, as the origin server's "Invalid email or password". */
const refused = () => new AppError('UNAUTHORIZED', 'invalid email or password');
const loginFailures: ReadonlySet<string> = new Set(['USER_NOT_FOUND', 'WRONG_PASSWORD', 'VALIDATION']);

export const authRoutes = [
  route.post(
    '/v1/auth/login',
    {
      auth: false,
      rate: 'auth',
      summary: 'Log in on a device with email and password: a session for that device (an earlier one on it ends)',
      description: 'An unknown email and a wrong password both answer UNAUTHORIZED.',
      body: LoginBody,
      data: Tokens,
    },
    async (c) => {
      const b = c.body;
      const device = c.device({ deviceId: b.deviceId, platform: b.deviceInfo?.platform, version: b.deviceInfo?.version, model: b.deviceInfo?.model });
      const result = await c.services.auth.login({ identifier: { email: b.email }, password: b.password }, device, c.tokenPolicy).catch((err: unknown) => {
        throw err instanceof AppError && loginFailures.has(err.code) ? refused() : err;
      });
      return { accessToken: result.accessToken, refreshToken: result.refreshToken, expiresIn: result.expiresIn, user: present.user(result.user, await present.placesOf(c.services, [result.user.id])) };
    },
  ),

  route.post(
    '/v1/auth/refresh',
    {
      auth: false,
      rate: 'auth',
      summary: 'New tokens for a refresh token; each refresh token works once',
      description: 'A used, unknown or ended refresh token answers UNAUTHORIZED.',
      body: RefreshBody,
      data: Tokens,
    },
    async (c) => {
      // TOKEN_EXPIRED is the access token's alone (decision 5): an old refresh token is simply no longer valid.
      const pair = await c.services.auth.refresh(c.body.refreshToken, c.tokenPolicy).catch((err: unknown) => {
        throw err instanceof AppError && err.code === 'TOKEN_EXPIRED' ? new AppError('UNAUTHORIZED', 'refresh token has expired; log in again') : err;
      });
      const { user } = await c.services.users.me((await c.services.auth.authenticate(pair.accessToken)).userId);
      return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn, user: present.user(user, await present.placesOf(c.services, [user.id])) };
    },
  ),

  route.post(
    '/v1/auth/logout',
    {
      rate: 'auth',
      summary: "Log this device out: its tokens stop working and its sockets close; the user's other devices stay signed in",
      description: 'deviceId, when given, must be the device this token was issued to; the body may be left out.',
      body: LogoutBody,
      bodyOptional: true,
      status: 200,
    },
    async (c) => {
      if (c.body.deviceId !== undefined && c.body.deviceId !== c.session.deviceId) {
        throw AppError.validation([{ field: 'deviceId', message: 'is not the device this token was issued to' }]);
      }
      await c.services.auth.logout(c.session);
    },
  ),
];
