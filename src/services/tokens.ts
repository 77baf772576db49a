import { createHash, createHmac, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

export interface AccessClaims {
  userId: number;
  sessionId: string;
  /** The device the session was opened for ('' when the client named none); known once the session was checked. */
  deviceId?: string;
}

/** How long the access tokens one way in hands out live; a profile's document may ask for less than ACCESS_TOKEN_TTL. */
/** How a profile's logins hand out sessions and tokens, where its document says. */
export interface TokenPolicy {
  /** Seconds; the shorter of this and ACCESS_TOKEN_TTL applies. */
  accessTtl?: number;
  /**
   * One session per device: a login naming a device that already has a live session of the user
   * ends that session. Without it every login is a session of its own, as the other documents
   * (and the cross-profile guarantee that a logout ends only its own login) expect.
   */
  onePerDevice?: boolean;
}

const ISSUER = 'parley';
const SECRET_SETTING = 'jwt_secret';

/**
 * Access tokens are short-lived HS256 JWTs naming their session; refresh tokens are opaque random
 * strings stored only as SHA-256 hashes. The signing key comes from JWT_SECRET or is generated on
 * first start and kept in the database, so every node of a cluster shares it without setup.
 */
export class TokenService {
  private constructor(
    private readonly key: Uint8Array,
    /** The same key imported once: handed to jose as raw bytes, it was imported again on every verify. */
    private readonly jwtKey: webcrypto.CryptoKey,
    private readonly accessTtl: number,
    private readonly clock: Clock,
  ) {}

  static async create(store: Store, opts: { secret?: string; accessTtl: number; clock: Clock }): Promise<TokenService> {
    const secret = opts.secret ?? (await store.settings.getOrInit(SECRET_SETTING, randomBytes(48).toString('base64url'), opts.clock.now()));
    const key = new TextEncoder().encode(secret);
    const jwtKey = await webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return new TokenService(key, jwtKey, opts.accessTtl, opts.clock);
  }

  get accessTokenTtl(): number {
    return this.accessTtl;
  }

  /** The access token lifetime, in seconds, under a policy. */
  accessTtlFor(policy: TokenPolicy = {}): number {
    return policy.accessTtl === undefined ? this.accessTtl : Math.min(policy.accessTtl, this.accessTtl);
  }

  async issueAccess(claims: AccessClaims, policy: TokenPolicy = {}): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(String(claims.userId))
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTtlFor(policy))
      .sign(this.jwtKey);
  }

  /** Checks signature and expiry only; the caller checks that the session is still live. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.jwtKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        currentDate: new Date(this.clock.now()),
      });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || typeof payload.sid !== 'string') {
        throw new AppError('TOKEN_INVALID', 'token claims are malformed');
      }
      return { userId, sessionId: payload.sid };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'access token has expired');
      throw new AppError('TOKEN_INVALID', 'access token is invalid');
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = `rt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: hashToken(token) };
  }

  /** A keyed hash for short secrets such as verification codes, so a leaked table cannot be brute-forced offline. */
  keyedHash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }

  keyedHashMatches(value: string, expected: string): boolean {
    const a = Buffer.from(this.keyedHash(value));
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The bearer token of a request: the Authorization header when present (a malformed one is no
 * token), else the `?token=` query parameter that WebSocket clients use.
 */
export function bearerToken(authorization: string | undefined, queryToken: string | null | undefined): string | undefined {
  if (authorization) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return queryToken || undefined;
}
