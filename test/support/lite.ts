import assert from 'node:assert/strict';
import type { Api, ApiResponse } from './api.ts';
import { Chat8Socket, type Chat8User } from './chat8.ts';

/** A user of the lite document (004), registered and logged in through it; ids are strings. */
export type LiteUser = Omit<Chat8User, 'id'> & { id: string };

let n = 0;

/** Registers through POST /api/v1/register and logs in through POST /api/v1/login (register gives no token). */
export async function liteUser(api: Api, prefix = 'lu'): Promise<LiteUser> {
  const username = `${prefix}${process.pid}_${++n}`;
  const email = `${username}@example.com`;
  const password = 'secret-pass-1';
  const reg = await api.post('/api/v1/register', { username, email, password });
  assert.equal(reg.status, 200, reg.text);
  const login = await api.post('/api/v1/login', { email, password });
  assert.equal(login.status, 200, login.text);
  return { id: reg.body.data.user_id, username, email, password, token: login.body.data.token };
}

/** A lite error: HTTP status = code, a non-empty message, a string error. */
export function liteError(res: ApiResponse, status: number): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.code, status, res.text);
  assert.equal(typeof res.body.message, 'string', res.text);
  assert.ok(res.body.message.length > 0, res.text);
  assert.equal(typeof res.body.error, 'string', res.text);
}

/** The lite socket URL below `base` (the mount's base URL). */
export const liteWsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/api/v1/ws`;

/** Opens the lite socket with `Authorization: Bearer <token>`. */
export function liteSocket(base: string, token: string): Promise<Chat8Socket> {
  return Chat8Socket.connect(liteWsUrl(base), { headers: { authorization: `Bearer ${token}` } });
}
