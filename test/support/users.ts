import { randomInt } from 'node:crypto';
import type { Api } from './api.ts';

let counter = randomInt(0, 1_000_000);

export interface TestUser {
  id: number;
  phone: string;
  username: string;
  password: string;
  token: string;
  refreshToken: string;
}

/** A phone number unique within this test process. */
export function uniquePhone(): string {
  counter = (counter + 1) % 100_000_000;
  return `139${String(counter).padStart(8, '0')}`;
}

export async function registerUser(api: Api, fields: Record<string, unknown> = {}): Promise<TestUser> {
  const phone = (fields.phone as string | undefined) ?? uniquePhone();
  const username = (fields.username as string | undefined) ?? `u${phone}`;
  const password = (fields.password as string | undefined) ?? 'password123';
  const res = await api.post('/api/auth/register', { phone, username, password, nickname: `N${phone.slice(-4)}`, ...fields });
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${res.text}`);
  const d = res.body.data;
  return { id: d.user.id, phone, username, password, token: d.access_token, refreshToken: d.refresh_token };
}
