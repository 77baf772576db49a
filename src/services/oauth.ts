import * as oauth from 'oauth4webapi';
import type { OAuthConfig, OAuthProviderConfig } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import type { DeviceInfo } from '../domain/types.ts';
import type { AuthResult, AuthService } from './auth.ts';

/** The providers Parley knows; others are not found. */
export const oauthProviders = ['google', 'github'] as const;
export type OAuthProvider = (typeof oauthProviders)[number];

/** Who the provider says signed in. */
export interface ProviderIdentity {
  provider: OAuthProvider;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  /** A username to start from for a new account (GitHub's login, the email's local part). */
  hint: string;
  name: string;
}

/**
 * OAuth sign-in: an authorization code from a provider's app flow exchanged (oauth4webapi) for
 * who signed in there, then the account linked to that provider account, else the account with
 * the provider's verified email (now linked), else a new one. Google is OpenID Connect (endpoints
 * from its published metadata, the ID token checked); GitHub is OAuth 2 with its REST API for
 * the user and their verified primary email.
 */
export class OAuthService {
  private readonly servers = new Map<OAuthProvider, Promise<oauth.AuthorizationServer>>();

  constructor(
    private readonly config: OAuthConfig,
    private readonly auth: Pick<AuthService, 'signInWith'>,
    /** Plain-http endpoints are refused unless allowed (tests run providers on loopback). */
    private readonly allowHttp: boolean,
  ) {}

  async signIn(provider: string, input: { code?: string | undefined; redirectUri?: string | undefined }, device: DeviceInfo): Promise<AuthResult> {
    if (!(oauthProviders as readonly string[]).includes(provider)) throw new AppError('NOT_FOUND', `no OAuth provider ${provider}`);
    const known = provider as OAuthProvider;
    const cfg = this.config[known];
    if (!cfg) throw new AppError('BAD_REQUEST', `the OAuth provider ${known} is not configured on this server`);
    const code = input.code;
    if (code === undefined || code === '') throw AppError.validation([{ field: 'code', message: 'is required' }]);
    const redirectUri = input.redirectUri ?? cfg.redirectUris[0];
    if (redirectUri === undefined) throw AppError.validation([{ field: 'redirectUri', message: 'is required' }]);
    if (cfg.redirectUris.length > 0 && !cfg.redirectUris.includes(redirectUri)) {
      throw AppError.validation([{ field: 'redirectUri', message: 'is not a redirect URI this server allows' }]);
    }
    const identity = await this.exchange(known, cfg, code, redirectUri).catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      throw new AppError('UNAUTHORIZED', `${known} did not accept the authorization code`, { cause: err });
    });
    return this.auth.signInWith(identity, device);
  }

  private options() {
    return this.allowHttp ? { [oauth.allowInsecureRequests]: true } : {};
  }

  private server(provider: OAuthProvider, cfg: OAuthProviderConfig): Promise<oauth.AuthorizationServer> {
    let found = this.servers.get(provider);
    if (!found) {
      found = provider === 'google' ? this.discover(cfg.issuer) : Promise.resolve({ issuer: cfg.issuer, token_endpoint: `${cfg.issuer}/login/oauth/access_token` });
      // A failed discovery is tried again next time.
      found.catch(() => this.servers.delete(provider));
      this.servers.set(provider, found);
    }
    return found;
  }

  private async discover(issuer: string): Promise<oauth.AuthorizationServer> {
    const url = new URL(issuer);
    return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...this.options() }));
  }

  private async exchange(provider: OAuthProvider, cfg: OAuthProviderConfig, code: string, redirectUri: string): Promise<ProviderIdentity> {
    const server = await this.server(provider, cfg);
    // The app ran the authorization step; only the code comes here.
    const as: oauth.AuthorizationServer = { ...server, authorization_response_iss_parameter_supported: false };
    const client: oauth.Client = { client_id: cfg.clientId };
    const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ code }), oauth.skipStateCheck);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost(cfg.clientSecret), params, redirectUri, oauth.nopkce, {
      ...this.options(),
      headers: new Headers({ accept: 'application/json' }),
    });
    if (provider === 'google') {
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: oauth.expectNoNonce, requireIdToken: true });
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : null;
      return { provider, subject: claims.sub, email, emailVerified: email !== null && claims.email_verified === true, hint: email?.split('@')[0] ?? 'user', name: typeof claims.name === 'string' ? claims.name : '' };
    }
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    return this.github(cfg.apiUrl ?? 'https://api.github.com', tokens.access_token);
  }

  private async github(apiUrl: string, accessToken: string): Promise<ProviderIdentity> {
    const get = async (path: string) => {
      const res = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${apiUrl}${path}`), new Headers({ accept: 'application/vnd.github+json' }), null, this.options());
      if (!res.ok) throw new AppError('UNAUTHORIZED', `github answered ${res.status} for ${path}`);
      return (await res.json());
    };
    const user = (await get('/user')) as { id?: unknown; login?: unknown; name?: unknown };
    const emails = (await get('/user/emails')) as { email?: unknown; verified?: unknown; primary?: unknown }[];
    if (typeof user.id !== 'number' && typeof user.id !== 'string') throw new AppError('UNAUTHORIZED', 'github named no user');
    const verified = Array.isArray(emails) ? emails.filter((e) => e.verified === true && typeof e.email === 'string') : [];
    const chosen = verified.find((e) => e.primary === true) ?? verified[0];
    const email = chosen ? (chosen.email as string).toLowerCase() : null;
    return { provider: 'github', subject: String(user.id), email, emailVerified: email !== null, hint: typeof user.login === 'string' ? user.login : 'user', name: typeof user.name === 'string' ? user.name : '' };
  }
}
