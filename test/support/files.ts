import type { TestServer } from './server.ts';
import { okData } from './shapes.ts';
import type { TestUser } from './users.ts';

export interface Part {
  name: string;
  value: string | { data: Uint8Array; filename: string; type?: string };
}

/** A real multipart upload through fetch's FormData, parts in the given order. */
export async function upload(s: TestServer, user: TestUser | undefined, parts: Part[]) {
  const form = new FormData();
  for (const p of parts) {
    if (typeof p.value === 'string') form.append(p.name, p.value);
    else form.append(p.name, new Blob([p.value.data], { type: p.value.type ?? 'application/octet-stream' }), p.value.filename);
  }
  const res = await fetch(`${s.url}/api/files/upload`, { method: 'POST', body: form, headers: user ? { authorization: `Bearer ${user.token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

export const file = (data: Uint8Array, filename: string, type?: string) => ({ name: 'file', value: { data, filename, type } });
export const kind = (value: string) => ({ name: 'type', value });

export async function uploaded(s: TestServer, user: TestUser, parts: Part[]) {
  return okData(await upload(s, user, parts), '文件上传成功');
}
