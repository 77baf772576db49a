import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactQuery, redactUrl } from '../../src/redaction.ts';

describe('redaction', () => {
  it('masks credential-like query values and keeps the rest of the URL as it was', () => {
    assert.equal(redactQuery('/ws?token=eyJhbGci.eyJzdWIi.sig&since=42'), '/ws?token=[redacted]&since=42');
    assert.equal(redactQuery('/api/x?since=1&TOKEN=a&access_token=b&api%5Fkey=c&sig=d&q=hello'), '/api/x?since=1&TOKEN=[redacted]&access_token=[redacted]&api%5Fkey=[redacted]&sig=[redacted]&q=hello');
    assert.equal(redactQuery('/cb?code=123456&state=s&password=p&client_secret=x'), '/cb?code=[redacted]&state=s&password=[redacted]&client_secret=[redacted]');
    assert.equal(redactQuery('/api/chats?limit=20&offset=0'), '/api/chats?limit=20&offset=0');
    assert.equal(redactQuery('/api/chats'), '/api/chats');
    assert.equal(redactQuery('/x?token&token=&%E0=1'), '/x?token&token=[redacted]&%E0=1');
  });

  it('masks the password of a URL, valid or not, keeping the user name and host', () => {
    assert.equal(redactUrl('postgres://parley:hunter2@db.example.com:5432/parley'), 'postgres://parley:[redacted]@db.example.com:5432/parley');
    assert.equal(redactUrl('redis://:hunter2@cache:6379/0'), 'redis://:[redacted]@cache:6379/0');
    // Not valid URLs: a password holding / ? # or @ is masked whole.
    assert.equal(redactUrl('postgres://parley:hun/ter?2#x@db/parley'), 'postgres://parley:[redacted]@db/parley');
    assert.equal(redactUrl('postgres://parley:p@ss@db:port/parley'), 'postgres://parley:[redacted]@db:port/parley');
    assert.equal(redactUrl('postgres://db/parley?sslmode=require&password=hunter2'), 'postgres://db/parley?sslmode=require&password=[redacted]');
    for (const plain of ['postgres://parley@db/parley', 'sqlite:/srv/data/parley.db', 'https://hooks.example.com/x?to=a@b.example', 'not a url at all']) {
      assert.equal(redactUrl(plain), plain);
    }
  });
});
