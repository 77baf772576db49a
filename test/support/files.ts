import sharp from 'sharp';
import type { TestServer } from './server.ts';
import { assertError, okData } from './shapes.ts';
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

export async function download(s: TestServer, user: TestUser | undefined, url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url.startsWith('http') ? url : `${s.url}${url}`, { headers: { ...headers, ...(user ? { authorization: `Bearer ${user.token}` } : {}) } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(new TextDecoder().decode(bytes)) };
}

export async function assertDownloadError(res: Awaited<ReturnType<typeof download>>, status: number, code: number) {
  assertError({ status: res.status, body: res.json(), text: new TextDecoder().decode(res.bytes) }, status, code);
}

export function png(width: number, height: number, alpha = false): Promise<Buffer> {
  return sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 200, g: 30, b: 60, alpha: alpha ? 0.5 : 1 } } })
    .png()
    .toBuffer();
}

/** A WAV file of `seconds` of silence (8 kHz, 8-bit mono). */
export function silentWav(seconds: number): Buffer {
  const samples = Math.round(8000 * seconds);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  return Buffer.concat([header, Buffer.alloc(samples, 128)]);
}
