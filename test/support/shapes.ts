import assert from 'node:assert/strict';

export const isoSecondsRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Asserts the zhihang success envelope and returns its data. */
export function okData<T = any>(res: { status: number; body: any; text: string }, message?: string): T {
  assert.equal(res.status, 200, `expected 200, got ${res.status}: ${res.text}`);
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'data', 'message', 'success', 'timestamp']);
  assert.equal(res.body.code, 200);
  assert.equal(res.body.success, true);
  assert.match(res.body.timestamp, isoSecondsRe);
  if (message !== undefined) assert.equal(res.body.message, message);
  return res.body.data as T;
}

/** Asserts the zhihang error envelope with the given HTTP status and body code. */
export function assertError(res: { status: number; body: any; text: string }, status: number, code: number = status): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(typeof res.body, 'object', `expected a JSON envelope, got: ${res.text}`);
  assert.equal(res.body.code, code, `expected code ${code}, got ${res.text}`);
  assert.equal(res.body.success, false);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
  assert.equal(typeof res.body.error, 'string');
  assert.match(res.body.timestamp, isoSecondsRe);
  for (const key of Object.keys(res.body)) assert.ok(['code', 'message', 'error', 'timestamp', 'success', 'details'].includes(key), `unexpected key ${key}`);
}

export function assertKeys(obj: object, keys: string[]): void {
  assert.deepEqual(Object.keys(obj).sort(), [...keys].sort());
}
