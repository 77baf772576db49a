import { randomInt } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { DeviceInfo, User } from '../domain/types.ts';
import { Checker, limits, normalizePhone } from '../domain/validation.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Credentials, LoginIdentifier } from '../store/repos/users.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { checkAssignment, type Assignment, type DirectoryService } from './directory.ts';
import type { ProviderIdentity } from './oauth.ts';
import type { PasswordHasher } from './passwords.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { newSessionId, type AccessClaims, hashToken, type TokenPolicy, type TokenService } from './tokens.ts';
import { accountConflict, checkAccountFieldsFree } from './users.ts';
import type { VerificationService } from './verification.ts';

export type { LoginIdentifier };

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  sessionId: string;
}

export interface AuthResult extends TokenPair {
  user: User;
}

export interface RegisterInput {
  phone?: string;
  email?: string;
  username?: string;
  password: string;
  nickname?: string;
  /** Verification code for the phone, required when registration is `code`. */
  code?: string;
  /** A department path from the top (`技术部/前端组`), created as needed; blank for none. */
  department?: string;
  position?: string;
}

export interface LoginInput {
  identifier: LoginIdentifier;
  password?: string;
  code?: string;
}

/** The failures that count against an account's login budget: a guess, not a malformed request. */
const wrongCredentials: ReadonlySet<string> = new Set(['WRONG_PASSWORD', 'WRONG_CODE']);

/** Refusals an operator is told about: guesses, unknown accounts, disabled ones, spent budgets. */
const reportedRefusals: ReadonlySet<string> = new Set(['USER_NOT_FOUND', 'WRONG_PASSWORD', 'WRONG_CODE', 'USER_DISABLED', 'RATE_LIMITED']);

/**
 * A refused login as the operator's log tells it: how the account was named and which account it
 * is, never the identifier itself (people type passwords into it) nor the password.
 */
export interface LoginFailure {
  by: 'phone' | 'email' | 'username';
  /** The account the identifier named; null when it named none. */
  userId: number | null;
  /** The core error code: USER_NOT_FOUND, WRONG_PASSWORD, WRONG_CODE, USER_DISABLED or RATE_LIMITED. */
  reason: string;
  remoteAddress: string | undefined;
}

export interface AuthOptions {
  registration: 'open' | 'code' | 'closed';
  refreshTtl: number;
  /** Told of each refused login (the server logs it at warn). */
  onLoginFailed?: (failure: LoginFailure) => void;
}

export class AuthService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly verification: VerificationService,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly directory: Pick<DirectoryService, 'place'>,
    private readonly opts: AuthOptions,
  ) {}

  async requestCode(phone: string): Promise<{ expiresIn: number; resendAfter: number }> {
    const target = normalizePhone(phone);
    new Checker().phone('phone', target).done();
    return this.verification.request(target, 'sms');
  }

  async register(input: RegisterInput, device: DeviceInfo): Promise<AuthResult> {
    if (this.opts.registration === 'closed') {
      throw new AppError('REGISTRATION_CLOSED', 'registration is closed; ask an administrator for an account');
    }
    const { phone, email } = accountFields(input);

    if (this.opts.registration === 'code') {
      if (!phone) throw AppError.validation([{ field: 'phone', message: 'is required: registration needs a verified phone' }]);
      if (!input.code) throw AppError.validation([{ field: 'code', message: 'is required: registration needs a verification code' }]);
    }
    await this.ensureFree({ phone, email, username: input.username });
    if (this.opts.registration === 'code') await this.verification.verify(phone!, input.code!);

    const passwordHash = await this.passwords.hash(input.password);
    return this.createAccount({ phone, email, username: input.username, nickname: input.nickname, passwordHash, placement: input }, device);
  }

  /** Creates a user without the registration policy (operators, CLI). */
  async createUser(input: Omit<RegisterInput, 'code'> & { permissions?: string[] }): Promise<User> {
    const { phone, email } = accountFields(input);
    await this.ensureFree({ phone, email, username: input.username });
    const passwordHash = await this.passwords.hash(input.password);
    return this.store.transaction((tx) =>
      this.insertUser(tx, { phone, email, username: input.username, nickname: input.nickname, passwordHash, permissions: input.permissions, placement: input }),
    );
  }

  /**
   * Password login, or code login for phone/email identifiers. When both a password and a code
   * are present the password is checked (the primary document's example sends both keys).
   *
   * Wrong passwords and codes are counted per account, whichever address they come from (the
   * guard limits each address besides): past the budget, every attempt at that account is refused
   * until its window ends. An attempt is counted before it is checked, so guesses sent at the same
   * moment cannot overrun the budget, and a right one is given back: successful logins never use
   * it up, nor reset what failures counted. Unknown identifiers are not counted (there is no
   * password to guess), and the account's id is counted, not the identifier, so its phone, email
   * and username share one budget.
   */
  async login(input: LoginInput, device: DeviceInfo, policy: TokenPolicy = {}): Promise<AuthResult> {
    const identifier = normalizeIdentifier(input.identifier);
    const found = await this.store.users.credentials(identifier);
    let creds: Credentials;
    try {
      creds = await this.admit(found, identifier, input);
    } catch (err) {
      if (err instanceof AppError && reportedRefusals.has(err.code)) {
        const by = 'phone' in identifier ? 'phone' : 'email' in identifier ? 'email' : 'username';
        this.opts.onLoginFailed?.({ by, userId: found?.user.id ?? null, reason: err.code, remoteAddress: device.ip });
      }
      throw err;
    }

    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      await tx.users.recordLogin(creds.user.id, now);
      const pair = await this.openSession(tx, creds.user.id, device, now, policy);
      return { ...pair, user: { ...creds.user, lastLoginAt: now, lastSeenAt: now } };
    }).then((r) => this.announceReplaced(r));
  }

  /** The account, once the login may go on: it exists, the password or code is right, it is enabled. */
  private async admit(creds: Credentials | undefined, identifier: LoginIdentifier, input: LoginInput): Promise<Credentials> {
    if (!creds) throw new AppError('USER_NOT_FOUND', 'no user with this identifier');
    const attempt = await this.limiter.attempt('login', `user:${creds.user.id}`);
    try {
      await this.checkCredentials(creds, identifier, input);
    } catch (err) {
      if (!(err instanceof AppError && wrongCredentials.has(err.code))) await attempt.refund();
      throw err;
    }
    await attempt.refund();
    if (creds.user.isDisabled) throw new AppError('USER_DISABLED', 'this account is disabled');
    return creds;
  }

  private async checkCredentials(creds: Credentials, identifier: LoginIdentifier, input: LoginInput): Promise<void> {
    if (input.password) {
      if (!creds.passwordHash || !(await this.passwords.verify(creds.passwordHash, input.password))) {
        throw new AppError('WRONG_PASSWORD', 'wrong password');
      }
      if (this.passwords.needsRehash(creds.passwordHash)) {
        await this.store.users.update(creds.user.id, { passwordHash: await this.passwords.hash(input.password) }, this.clock.now());
      }
    } else if (input.code) {
      if ('username' in identifier) throw AppError.validation([{ field: 'code', message: 'code login needs a phone or email' }]);
      await this.verification.verify('phone' in identifier ? identifier.phone : identifier.email, input.code);
    } else {
      throw AppError.validation([{ field: 'password', message: 'a password or a verification code is required' }]);
    }
  }

  /**
   * Rotates a refresh token. Each token works once; presenting a used one means it leaked (or a
   * client raced itself), so the whole session is revoked and both parties must log in again.
   */
  async refresh(refreshToken: string, policy: TokenPolicy = {}): Promise<TokenPair> {
    const now = this.clock.now();
    const record = await this.store.sessions.refreshToken(hashToken(refreshToken));
    if (!record || record.sessionRevokedAt !== null) throw new AppError('TOKEN_INVALID', 'refresh token is invalid');
    if (record.usedAt !== null) return this.revokeForReuse(record.sessionId, record.userId);
    if (record.expiresAt <= now || record.sessionExpiresAt <= now) throw new AppError('TOKEN_EXPIRED', 'refresh token has expired');

    const outcome = await this.store.transaction(async (tx) => {
      if (!(await tx.sessions.consumeRefreshToken(record.id, now))) return 'reused' as const;
      const expiresAt = now + this.opts.refreshTtl * 1000;
      await tx.sessions.touch(record.sessionId, now, expiresAt);
      const next = this.tokens.newRefreshToken();
      await tx.sessions.addRefreshToken({ sessionId: record.sessionId, hash: next.hash, at: now, expiresAt });
      return next.token;
    });
    if (outcome === 'reused') return this.revokeForReuse(record.sessionId, record.userId);
    return {
      accessToken: await this.tokens.issueAccess({ userId: record.userId, sessionId: record.sessionId }, policy),
      refreshToken: outcome,
      expiresIn: this.tokens.accessTtlFor(policy),
      sessionId: record.sessionId,
    };
  }

  /**
   * Signs in someone a provider vouched for (OAuthService): the user linked to that provider
   * account, else the user with the provider's verified email (then linked), else a new account
   * (username from the provider's hint, made unique; the email only if verified), linked too.
   * An unverified email never reaches an existing account.
   */
  async signInWith(id: ProviderIdentity, device: DeviceInfo): Promise<AuthResult> {
    let userId = await this.store.identities.userOf(id.provider, id.subject);
    if (userId === undefined && id.emailVerified && id.email) userId = (await this.store.users.credentials({ email: id.email }))?.user.id;
    const username = userId === undefined ? await this.freeUsername(id.hint) : undefined;
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const user =
        (userId === undefined ? undefined : await tx.users.byId(userId)) ??
        (await this.insertUser(tx, { username, email: id.emailVerified ? (id.email ?? undefined) : undefined, nickname: id.name.slice(0, limits.nickname.maxLength) || undefined, passwordHash: '' }));
      if (user.isDisabled) throw new AppError('USER_DISABLED', 'this account is disabled');
      await tx.identities.link({ userId: user.id, provider: id.provider, subject: id.subject, email: id.email, at: now });
      await tx.users.recordLogin(user.id, now);
      const pair = await this.openSession(tx, user.id, device, now);
      return { ...pair, user: { ...user, lastLoginAt: now, lastSeenAt: now } };
    }).then((r) => this.announceReplaced(r));
  }

  /** A username no one has, from a provider's hint. */
  private async freeUsername(hint: string): Promise<string> {
    const base = (hint.replace(/[^A-Za-z0-9_.-]/g, '') || 'user').slice(0, 24).padEnd(3, '_');
    for (let i = 0; i < 5; i++) {
      const candidate = i === 0 ? base : `${base}_${randomInt(100_000, 1_000_000)}`;
      if (!(await this.store.users.taken({ username: candidate })).username) return candidate;
    }
    return `${base}_${randomInt(100_000_000, 1_000_000_000)}`;
  }

  /**
   * Ends the caller's session, which is its device's: that device's tokens stop working at once
   * and its sockets close; the user's other devices keep theirs.
   */
  async logout(ctx: AccessClaims): Promise<void> {
    await this.endSession(ctx.sessionId, ctx.userId, 'logout');
  }

  /**
   * Disables an account: it can no longer log in, each of its sessions ends (its tokens are
   * refused at once everywhere, since every request checks the session), and each of its sockets
   * closes at once on every node: through the bus (Redis between nodes), and through the mark
   * left in the database for nodes no bus reaches from here (the CLI beside a single node).
   */
  async disable(userId: number): Promise<{ user: User; sessionsEnded: number }> {
    const now = this.clock.now();
    const { user, ended } = await this.store.transaction(async (tx) => {
      const user = await tx.users.update(userId, { isDisabled: true }, now);
      if (!user) throw new AppError('USER_NOT_FOUND', 'user not found');
      return { user, ended: await this.endAllSessions(tx, userId, 'user_disabled', now) };
    });
    this.announceEnded(userId, ended);
    return { user, sessionsEnded: ended.length };
  }

  /**
   * An operator sets a new password: every session of the account ends (its sockets close on
   * every node), so whoever knew the old password is out; the owner logs in with the new one.
   */
  async resetPassword(userId: number, password: string): Promise<{ sessionsEnded: number }> {
    new Checker().password('password', password).done();
    const passwordHash = await this.passwords.hash(password);
    const now = this.clock.now();
    const ended = await this.store.transaction(async (tx) => {
      if (!(await tx.users.update(userId, { passwordHash }, now))) throw new AppError('USER_NOT_FOUND', 'user not found');
      return this.endAllSessions(tx, userId, 'password_reset', now);
    });
    this.announceEnded(userId, ended);
    return { sessionsEnded: ended.length };
  }

  /** Ends every session of the account (logged out everywhere, sockets closed); it may log in again. */
  async revokeSessions(userId: number): Promise<{ sessionsEnded: number }> {
    const now = this.clock.now();
    const ended = await this.store.transaction(async (tx) => {
      if (!(await tx.users.byId(userId))) throw new AppError('USER_NOT_FOUND', 'user not found');
      return this.endAllSessions(tx, userId, 'revoked_by_admin', now);
    });
    this.announceEnded(userId, ended);
    return { sessionsEnded: ended.length };
  }

  /**
   * Inside the caller's transaction: revokes every live session of the user and leaves the mark
   * that gateways no bus reaches from here poll (see disable). Returns the ended session ids, to
   * be announced after the commit.
   */
  async endAllSessions(tx: Store, userId: number, reason: string, now: number): Promise<string[]> {
    const ended = await tx.sessions.revokeAllOf(userId, reason, now);
    if (ended.length > 0) await tx.sessions.markEnded(now);
    return ended;
  }

  /** After the commit of endAllSessions: every node closes the sockets of those sessions. */
  announceEnded(userId: number, sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) this.signalEnded(sessionId, userId);
  }

  /** Lets a disabled account log in again; the sessions that disabling ended stay ended. */
  async enable(userId: number): Promise<User> {
    const user = await this.store.users.update(userId, { isDisabled: false }, this.clock.now());
    if (!user) throw new AppError('USER_NOT_FOUND', 'user not found');
    return user;
  }

  /** Resolves an access token to its live session, or throws TOKEN_* / USER_DISABLED. */
  async authenticate(accessToken: string): Promise<AccessClaims> {
    const claims = await this.tokens.verifyAccess(accessToken);
    const session = await this.store.sessions.active(claims.sessionId, this.clock.now());
    if (!session || session.userId !== claims.userId) throw new AppError('TOKEN_INVALID', 'this session has ended; log in again');
    if (session.userDisabled) throw new AppError('USER_DISABLED', 'this account is disabled');
    return { ...claims, deviceId: session.deviceId };
  }

  /**
   * Changes the caller's password after checking the current one (WRONG_CURRENT_PASSWORD); every
   * other session of the user ends, this one goes on.
   */
  async changePassword(ctx: AccessClaims, currentPassword: string, newPassword: string): Promise<void> {
    new Checker().password('newPassword', newPassword).done();
    const creds = await this.store.users.credentialsById(ctx.userId);
    if (!creds) throw new AppError('USER_NOT_FOUND', 'user not found');
    if (!creds.passwordHash || !(await this.passwords.verify(creds.passwordHash, currentPassword))) {
      throw new AppError('WRONG_CURRENT_PASSWORD', 'the current password is wrong');
    }
    const passwordHash = await this.passwords.hash(newPassword);
    const now = this.clock.now();
    const ended = await this.store.transaction(async (tx) => {
      await tx.users.update(ctx.userId, { passwordHash }, now);
      return tx.sessions.revokeOthers(ctx.userId, ctx.sessionId, 'password_changed', now);
    });
    for (const sessionId of ended) this.bus.signal({ type: 'session.revoked', audience: { kind: 'user', id: ctx.userId }, data: { sessionId, userId: ctx.userId } });
  }

  /**
   * A new access token for the caller's live session, from a valid current one (for clients that
   * keep no refresh token). The session, and so the earlier token until it expires, goes on.
   */
  async reissue(ctx: AccessClaims, policy: TokenPolicy = {}): Promise<{ accessToken: string; expiresIn: number }> {
    return { accessToken: await this.tokens.issueAccess({ userId: ctx.userId, sessionId: ctx.sessionId }, policy), expiresIn: this.tokens.accessTtlFor(policy) };
  }

  private async revokeForReuse(sessionId: string, userId: number): Promise<never> {
    await this.endSession(sessionId, userId, 'refresh_token_reuse');
    throw new AppError('TOKEN_INVALID', 'refresh token was already used; the session has been ended for safety');
  }

  private async endSession(sessionId: string, userId: number, reason: string): Promise<void> {
    if (await this.store.sessions.revoke(sessionId, reason, this.clock.now())) this.signalEnded(sessionId, userId);
  }

  /** Every node closes the session's sockets. */
  private signalEnded(sessionId: string, userId: number): void {
    this.bus.signal({ type: 'session.revoked', audience: { kind: 'user', id: userId }, data: { sessionId, userId } });
  }

  private async ensureFree(fields: { phone?: string; email?: string; username?: string }): Promise<void> {
    checkAccountFieldsFree(await this.store.users.taken(fields));
  }

  private async createAccount(
    fields: { phone?: string; email?: string; username?: string; nickname?: string; passwordHash: string; placement?: Assignment },
    device: DeviceInfo,
  ): Promise<AuthResult> {
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const user = await this.insertUser(tx, fields);
      await tx.users.recordLogin(user.id, now);
      const pair = await this.openSession(tx, user.id, device, now);
      return { ...pair, user: { ...user, lastLoginAt: now, lastSeenAt: now } };
    }).then((r) => this.announceReplaced(r));
  }

  /** The new user and their place in the directory, inside the caller's transaction. */
  private async insertUser(
    store: Store,
    f: { phone?: string; email?: string; username?: string; nickname?: string; passwordHash: string; permissions?: string[]; placement?: Assignment },
  ): Promise<User> {
    const placed = f.placement ? await this.directory.place(store, f.placement) : {};
    try {
      return await store.users.insert({
        ...placed,
        phone: f.phone,
        email: f.email,
        username: f.username,
        nickname: f.nickname ?? defaultNickname(f),
        passwordHash: f.passwordHash,
        permissions: f.permissions,
        at: this.clock.now(),
      });
    } catch (err) {
      // Another request registered the same identifier between our check and this insert.
      throw accountConflict(err);
    }
  }

  /**
   * A new session. Under a one-per-device policy a login from a device that already has a live
   * session of this user ends that session (a reinstalled app, a second login on the same phone),
   * so the device holds exactly one set of tokens and its logout ends them all; otherwise, and
   * for logins naming no device, sessions live side by side.
   */
  private async openSession(tx: Store, userId: number, device: DeviceInfo, now: number, policy: TokenPolicy = {}): Promise<TokenPair & { replaced: string[] }> {
    const replaced = policy.onePerDevice && device.deviceId ? await tx.sessions.revokeDevice(userId, device.deviceId, 'replaced_on_device', now) : [];
    const sessionId = newSessionId();
    const expiresAt = now + this.opts.refreshTtl * 1000;
    await tx.sessions.create({ id: sessionId, userId, device, at: now, expiresAt });
    const refresh = this.tokens.newRefreshToken();
    await tx.sessions.addRefreshToken({ sessionId, hash: refresh.hash, at: now, expiresAt });
    return {
      accessToken: await this.tokens.issueAccess({ userId, sessionId }, policy),
      refreshToken: refresh.token,
      expiresIn: this.tokens.accessTtlFor(policy),
      sessionId,
      replaced,
    };
  }

  /** After the commit: the sockets of sessions a new login replaced on its device close. */
  private announceReplaced<T extends AuthResult & { replaced: string[] }>(result: T): AuthResult {
    const { replaced, ...rest } = result;
    for (const sessionId of replaced) this.signalEnded(sessionId, rest.user.id);
    return rest;
  }
}

/** Normalises and checks the fields of a new account; the same rules for sign-up and operators. */
function accountFields(input: Omit<RegisterInput, 'code'>): { phone?: string; email?: string } {
  const phone = input.phone === undefined ? undefined : normalizePhone(input.phone);
  const email = input.email?.toLowerCase();
  const checker = new Checker()
    .check(Boolean(phone || email || input.username), 'phone', 'a phone number, email or username is required')
    .phone('phone', phone)
    .email('email', email)
    .username('username', input.username)
    .password('password', input.password)
    .length('nickname', input.nickname, limits.nickname.minLength, limits.nickname.maxLength);
  checkAssignment(checker, input).done();
  return { phone, email };
}

/**
 * What a login box labelled "username" names: an email when it has an `@`, which no username may
 * contain, so an account registered elsewhere with only its email can still sign in there.
 */
export function usernameOrEmail(value: string): LoginIdentifier {
  return value.includes('@') ? { email: value } : { username: value };
}

function normalizeIdentifier(id: LoginIdentifier): LoginIdentifier {
  if ('phone' in id) return { phone: normalizePhone(id.phone) };
  if ('email' in id) return { email: id.email.toLowerCase() };
  return id;
}

function defaultNickname(f: { phone?: string; email?: string; username?: string }): string {
  if (f.username) return f.username;
  if (f.email) return f.email.split('@')[0]!.slice(0, limits.nickname.maxLength);
  return `user${(f.phone ?? '').slice(-4)}`;
}
