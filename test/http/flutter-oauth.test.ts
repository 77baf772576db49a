import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { Api } from '../support/api.ts';
import { flutterError } from '../support/flutter.ts';
import { describeEachStore, startTestServer, type TestServer } from '../support/server.ts';

/**
 * OAuth sign-in of the flutter document (2.4, decision C9) against providers on loopback: an
 * OpenID provider (oauth2-mock-server) for google, and for github the mock's token endpoint at
 * GitHub's path plus a small stand-in for its REST API. Refused codes, unverified emails, linking
 * by verified email and by provider account, and the unconfigured and unknown providers.
 */

interface Person {
  sub: string;
  email: string;
  verified: boolean;
}

/** What the providers say about the code presented: `refused` is refused, else its person. */
const people = new Map<string, Person>();

function personOf(body: unknown): Person | undefined {
  const code = (body as { code?: string } | undefined)?.code;
  return code === undefined ? undefined : people.get(code);
}

async function provider(endpoints?: { token: string }): Promise<OAuth2Server> {
  const p = new OAuth2Server(undefined, undefined, endpoints ? { endpoints } : undefined);
  await p.issuer.keys.generate('RS256');
  await p.start(0, '127.0.0.1');
  p.service.on('beforeTokenSigning', (token, req) => {
    const who = personOf(req.body);
    if (who) Object.assign(token.payload, { sub: who.sub, email: who.email, email_verified: who.verified, name: `Name ${who.sub}` });
  });
  p.service.on('beforeResponse', (res, req) => {
    if (!personOf(req.body)) {
      res.statusCode = 400;
      res.body = { error: 'invalid_grant', error_description: 'the code is not valid' };
    }
  });
  return p;
}

describe('flutter OAuth sign-in against providers on loopback', () => {
  let google: OAuth2Server;
  let github: OAuth2Server;
  let githubApi: Server;
  let bare: TestServer;
  let lastToken = '';
  let configured: Record<string, string> = {};

  before(async () => {
    google = await provider();
    github = await provider({ token: '/login/oauth/access_token' });
    // GitHub's REST API: the user and their emails, for the access token the mock issued last.
    githubApi = createServer((req, res) => {
      const who = [...people.values()].find((p) => req.headers.authorization === `Bearer ${lastToken}` && p.sub.startsWith('gh'));
      res.setHeader('content-type', 'application/json');
      if (!who) return void res.writeHead(401).end('{}');
      if (req.url === '/user') return void res.end(JSON.stringify({ id: Number(who.sub.slice(2)), login: `octo${who.sub}`, name: 'Octo' }));
      if (req.url === '/user/emails') return void res.end(JSON.stringify([{ email: who.email, verified: who.verified, primary: true }]));
      res.writeHead(404).end('{}');
    });
    github.service.on('beforeResponse', (res) => {
      lastToken = String((res.body as { access_token?: string }).access_token ?? '');
    });
    await new Promise<void>((resolve) => githubApi.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(githubApi.address() as AddressInfo).port}`;
    configured = {
      OAUTH_GOOGLE_CLIENT_ID: 'parley-google',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
      OAUTH_GOOGLE_ISSUER: google.issuer.url!,
      OAUTH_GOOGLE_REDIRECT_URIS: 'app://callback',
      OAUTH_GITHUB_CLIENT_ID: 'parley-github',
      OAUTH_GITHUB_CLIENT_SECRET: 'github-secret',
      OAUTH_GITHUB_URL: github.issuer.url!,
      OAUTH_GITHUB_API_URL: apiUrl,
    };
    bare = await startTestServer('sqlite');
  });

  after(async () => {
    await bare?.close();
    await google?.stop();
    await github?.stop();
    githubApi?.close();
  });

  // The stores keep the linked provider accounts (user_identities): the exchange runs on each.
  describeEachStore('with google and github configured', (server) => {
    const api = () => new Api(`${server().url}/flutter`);
    const signIn = (p: string, body: unknown) => api().post(`/v1/auth/oauth/${p}`, body);

    it('google: creates the account on first use, finds it again, refuses a refused code and a foreign redirect URI', async () => {
      people.set('g-code-1', { sub: 'g-1', email: 'ann@example.com', verified: true });
      const first = await signIn('google', { code: 'g-code-1', redirect_uri: 'app://callback' });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(Object.keys(first.body).sort(), ['refresh_token', 'token', 'user_id', 'username']);
      const me = await api().get('/v1/user/me', { token: first.body.token });
      assert.equal(me.body.email, 'ann@example.com');
      const again = await signIn('google', { code: 'g-code-1', redirect_uri: 'app://callback' });
      assert.equal(again.body.user_id, first.body.user_id);
      const refreshed = await api().post('/v1/auth/refresh', { refresh_token: again.body.refresh_token });
      assert.equal(refreshed.status, 200);
      // The linked provider account finds the user even after its email changed.
      people.set('g-code-moved', { sub: 'g-1', email: 'ann.moved@example.com', verified: true });
      assert.equal((await signIn('google', { code: 'g-code-moved', redirect_uri: 'app://callback' })).body.user_id, first.body.user_id);

      flutterError(await signIn('google', { code: 'refused', redirect_uri: 'app://callback' }), 401);
      flutterError(await signIn('google', { code: 'g-code-1', redirect_uri: 'https://evil.example/cb' }), 400);
      flutterError(await signIn('google', { redirect_uri: 'app://callback' }), 400);
    });

    it('google: a verified email reaches the account registered with it; an unverified one never does', async () => {
      const reg = await api().post('/v1/auth/register', { username: 'bea_registered', password: 'password-12', email: 'bea@example.com' });
      assert.equal(reg.status, 201, reg.text);
      people.set('g-unverified', { sub: 'g-2', email: 'bea@example.com', verified: false });
      const stranger = await signIn('google', { code: 'g-unverified', redirect_uri: 'app://callback' });
      assert.equal(stranger.status, 200, stranger.text);
      assert.notEqual(stranger.body.user_id, reg.body.user_id);
      assert.equal((await api().get('/v1/user/me', { token: stranger.body.token })).body.email, null);
      people.set('g-verified', { sub: 'g-3', email: 'bea@example.com', verified: true });
      const bea = await signIn('google', { code: 'g-verified', redirect_uri: 'app://callback' });
      assert.equal(bea.body.user_id, reg.body.user_id);
    });

    it('github: the token endpoint and the REST API, by verified primary email', async () => {
      people.set('gh-code', { sub: 'gh42', email: 'cat@example.com', verified: true });
      const first = await signIn('github', { code: 'gh-code', redirect_uri: 'app://callback' });
      assert.equal(first.status, 200, first.text);
      assert.match(first.body.username, /^octogh42/);
      assert.equal((await api().get('/v1/user/me', { token: first.body.token })).body.email, 'cat@example.com');
      flutterError(await signIn('github', { code: 'refused', redirect_uri: 'app://callback' }), 401);
      flutterError(await signIn('facebook', { code: 'x' }), 404);
      // A body without `code` is 400 for a known provider; an unknown one is 404 whatever the body (C9).
      const missing = await signIn('google', { redirect_uri: 'app://callback' });
      flutterError(missing, 400);
      assert.match(JSON.stringify(missing.body.details), /code/);
      flutterError(await signIn('google', { code: '' }), 400);
      flutterError(await signIn('facebook', {}), 404);
    });
  }, { env: () => configured });

  it('an unconfigured known provider is 400 saying so, an unknown one 404', async () => {
    const off = new Api(`${bare.url}/flutter`);
    const signIn = (p: string, body: unknown) => off.post(`/v1/auth/oauth/${p}`, body);
    const res = await signIn('google', { code: 'x', redirect_uri: 'app://callback' });
    flutterError(res, 400);
    assert.match(res.body.details, /not configured on this server/);
    flutterError(await signIn('github', { code: 'x' }), 400);
    flutterError(await signIn('facebook', { code: 'x' }), 404);
    flutterError(await signIn('facebook', {}), 404);
    flutterError(await signIn('github', {}), 400);
  });
});
