import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { upgradeBase } from '../../src/http/external-base.ts';
import { trustProxyOption } from '../../src/http/trust-proxy.ts';

function upgrade(headers: Record<string, string>, remoteAddress = '10.0.0.5', encrypted = false): IncomingMessage {
  return { headers, socket: { remoteAddress, encrypted } } as unknown as IncomingMessage;
}

describe('upgradeBase: the scheme and host a socket client used, read as Fastify reads them for REST', () => {
  it('is the Host header over plain or TLS sockets', () => {
    const base = upgradeBase(false);
    assert.equal(base(upgrade({ host: 'chat.example.com:8080' })), 'http://chat.example.com:8080');
    assert.equal(base(upgrade({ host: 'chat.example.com' }, '10.0.0.5', true)), 'https://chat.example.com');
    assert.equal(base(upgrade({ host: '[::1]:3000' })), 'http://[::1]:3000');
  });

  it('believes X-Forwarded-Proto and -Host only from a trusted proxy, taking the last entry', () => {
    const forwarded = { host: 'node-1:3000', 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.test, chat.example.com' };
    assert.equal(upgradeBase(false)(upgrade(forwarded)), 'http://node-1:3000');
    assert.equal(upgradeBase(true)(upgrade(forwarded)), 'https://chat.example.com');
    const byAddress = upgradeBase(trustProxyOption({ addresses: ['10.0.0.0/8'] }));
    assert.equal(byAddress(upgrade(forwarded)), 'https://chat.example.com');
    assert.equal(byAddress(upgrade(forwarded, '192.0.2.7')), 'http://node-1:3000');
    assert.equal(upgradeBase(trustProxyOption({ hops: 1 }))(upgrade(forwarded)), 'https://chat.example.com');
  });

  it('gives no base for a host a link must not carry, or a scheme other than http(s)', () => {
    const base = upgradeBase(true);
    for (const host of ['', 'a b', 'evil.test/path', 'x"><script>', 'user@host', 'host:port']) {
      assert.equal(base(upgrade({ host })), undefined, host);
    }
    assert.equal(base(upgrade({})), undefined);
    assert.equal(base(upgrade({ host: 'ok.test', 'x-forwarded-proto': 'javascript' })), undefined);
  });
});
