import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { iceServersFor } from '../../src/services/ice-servers.ts';

describe('ice servers', () => {
  it('hands out STUN by default and nothing to mint', () => {
    const { ice } = loadConfig({});
    assert.deepEqual(iceServersFor(ice, 7, 0), { servers: [{ urls: ['stun:stun.l.google.com:19302'] }], ttl: null, expiresAt: null });
    assert.deepEqual(iceServersFor(loadConfig({ ICE_SERVERS: 'none' }).ice, 7, 0).servers, []);
  });

  it('mints TURN REST API credentials from the shared secret', () => {
    const { ice } = loadConfig({ ICE_SERVERS: 'stun:a.example:3478', TURN_URLS: 'turn:t.example:3478?transport=udp,turns:t.example:5349', TURN_SECRET: 'a-long-shared-secret', TURN_TTL: '1h' });
    const now = 1_700_000_000_123;
    const list = iceServersFor(ice, 42, now);
    const turn = list.servers[1]!;
    assert.deepEqual(turn.urls, ['turn:t.example:3478?transport=udp', 'turns:t.example:5349']);
    assert.equal(turn.username, `${1_700_000_000 + 3600}:42`);
    assert.equal(turn.credential, createHmac('sha1', 'a-long-shared-secret').update(turn.username).digest('base64'));
    assert.equal(list.ttl, 3600);
    assert.equal(list.expiresAt, (1_700_000_000 + 3600) * 1000);
  });

  it('uses fixed credentials without a secret, and rejects bad URLs', () => {
    const { ice } = loadConfig({ TURN_URLS: 'turn:t.example', TURN_USERNAME: 'u', TURN_PASSWORD: 'p' });
    assert.deepEqual(iceServersFor(ice, 1, 0).servers[1], { urls: ['turn:t.example'], username: 'u', credential: 'p' });
    assert.throws(() => loadConfig({ TURN_URLS: 'stun:x' }), /TURN_URLS/);
    assert.throws(() => loadConfig({ ICE_SERVERS: 'http://x' }), /ICE_SERVERS/);
  });
});
