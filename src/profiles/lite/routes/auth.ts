import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import * as present from '../presenters.ts';
import { LoginData, RegisterData } from '../schemas.ts';

/** 1. 认证相关接口: /api/v1/register and /api/v1/login. */

/** An optional phone; "" (what the document shows for a phone not set) counts as none. */
export const OptionalPhone = Type.Optional(Type.Union([field.phone, Type.Literal('')]));
export const phoneOf = (phone: string | undefined): string | undefined => (phone === '' ? undefined : phone);

const RegisterBody = Type.Object({ username: field.username, email: field.email, password: field.password, phone: OptionalPhone });
const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) });

const anonymous = { auth: false, rate: 'auth' } as const;
/** The document's one answer for a wrong password and an unknown email. */
const loginFailed = () => new AppError('WRONG_PASSWORD', '邮箱或密码错误');

export const authRoutes = [
  route.post(
    '/api/v1/register',
    { ...anonymous, summary: 'Register with username, email, password and an optional phone', description: 'Returns no token: log in next.', body: RegisterBody, data: RegisterData, message: 'success' },
    async (c) => {
      const b = c.body;
      const result = await c.services.auth.register({ username: b.username, email: b.email, password: b.password, phone: phoneOf(b.phone) }, c.device());
      return present.registered(result.user);
    },
  ),

  route.post(
    '/api/v1/login',
    { ...anonymous, summary: 'Log in with email and password', description: 'A wrong password and an unknown email both answer 401 登录失败.', body: LoginBody, data: LoginData, message: 'success' },
    async (c) => {
      const result = await c.services.auth.login({ identifier: { email: c.body.email }, password: c.body.password }, c.device()).catch((err: unknown) => {
        throw err instanceof AppError && (err.code === 'USER_NOT_FOUND' || err.code === 'WRONG_PASSWORD') ? loginFailed() : err;
      });
      return present.loggedIn(result.accessToken, result.user);
    },
  ),
];
