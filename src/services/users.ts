import { AppError, UniqueConflict } from '../domain/errors.ts';
import { themes, type Page, type PageRequest, type Theme, type User, type UserStatus, userStatuses } from '../domain/types.ts';
import { Checker, limits, normalizePhone } from '../domain/validation.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { Presence } from './presence.ts';
import type { Transactor } from './transactor.ts';

/**
 * A user as one particular viewer may see them. Phone and email are removed unless the viewer is
 * the user, or the two have each other as contacts (a one-sided contact would let anyone learn a
 * number just by adding the account).
 */
export interface UserView {
  user: User;
  online: boolean;
  /** What others see: the chosen status while connected, otherwise offline. */
  shownStatus: UserStatus;
  /** The viewer has this user in their contacts. */
  isContact: boolean;
  /** The two have each other as contacts: friends. */
  isFriend: boolean;
  /** The user's availability (User.availability), `online` while connected and visible. */
  availability: UserStatus;
  isSelf: boolean;
}

export type ProfilePatch = Partial<{
  nickname: string;
  bio: string;
  avatar: string;
  username: string;
  email: string;
  phone: string;
  status: UserStatus;
  statusMessage: string;
  language: string;
  theme: Theme;
}>;

type AccountField = 'phone' | 'username' | 'email';

const taken: Record<AccountField, () => AppError> = {
  phone: () => new AppError('PHONE_TAKEN', 'this phone number is already registered'),
  username: () => new AppError('USERNAME_TAKEN', 'this username is taken'),
  email: () => new AppError('EMAIL_TAKEN', 'this email is already registered'),
};

/** Refuses account fields another user holds (phone first, then username, then email). */
export function checkAccountFieldsFree(held: Record<AccountField, boolean>): void {
  for (const field of ['phone', 'username', 'email'] as const) if (held[field]) throw taken[field]();
}

/**
 * A write that lost the race for a phone, username or email becomes the error the pre-check
 * gives; anything else is returned as it was.
 */
export function accountConflict(err: unknown): unknown {
  if (!(err instanceof UniqueConflict)) return err;
  if (err.target === 'users.phone') return taken.phone();
  if (err.target === 'users.username') return taken.username();
  if (err.target === 'users.email') return taken.email();
  return err;
}

/** Availability as shown: a visible user connected now is online though the store has not caught up yet. */
function availabilityOf(user: User, online: boolean): UserStatus {
  return online && user.availability === 'offline' ? 'online' : user.availability;
}

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly presence: Presence,
    private readonly clock: Clock,
  ) {}

  /**
   * The user an operator names by id, phone, username or email. A reference that fits two users
   * (one's id or phone is another's username) is refused rather than guessed.
   */
  async byReference(reference: string): Promise<User> {
    const ref = reference.trim();
    const phone = normalizePhone(ref);
    const found = await Promise.all([
      /^\d{1,15}$/.test(ref) ? this.store.users.byId(Number(ref)) : undefined,
      new RegExp(limits.phone.pattern).test(phone) ? this.store.users.byPhone(phone) : undefined,
      new RegExp(limits.username.pattern).test(ref) ? this.store.users.credentials({ username: ref }).then((c) => c?.user) : undefined,
      ref.includes('@') ? this.store.users.credentials({ email: ref }).then((c) => c?.user) : undefined,
    ]);
    const users = [...new Map(found.filter((u) => u !== undefined).map((u) => [u.id, u])).values()];
    if (users.length === 0) throw new AppError('USER_NOT_FOUND', `no user has the id, phone, username or email ${JSON.stringify(ref)}`);
    if (users.length > 1) {
      throw AppError.validation([{ field: 'user', message: `${JSON.stringify(ref)} names users ${users.map((u) => u.id).join(' and ')}; name one by another field` }]);
    }
    return users[0]!;
  }

  /** Online means connected now and not hiding behind the "offline" status. */
  isOnline(user: User): boolean {
    return user.status !== 'offline' && this.presence.isOnline(user.id);
  }

  async me(userId: number): Promise<UserView> {
    const user = await this.store.users.byId(userId);
    if (!user) throw new AppError('USER_NOT_FOUND', 'user not found');
    return this.selfView(user);
  }

  /** The user as they see themselves (also in frames to their own devices). */
  selfView(user: User): UserView {
    const online = this.isOnline(user);
    return { user, online, shownStatus: online ? user.status : 'offline', isContact: false, isFriend: false, availability: availabilityOf(user, online), isSelf: true };
  }

  /**
   * The user as shown in frames that go to many receivers at once: phone and email left out,
   * since one encoding cannot know whether each receiver may see them (answers to one viewer
   * show them between mutual contacts).
   */
  sharedView(user: User, isContact: boolean): UserView {
    const online = this.isOnline(user);
    return {
      user: { ...user, phone: null, email: null },
      online,
      shownStatus: online ? user.status : 'offline',
      isContact,
      isFriend: false,
      availability: availabilityOf(user, online),
      isSelf: false,
    };
  }

  async updateMe(userId: number, patch: ProfilePatch): Promise<UserView> {
    const phone = patch.phone === undefined ? undefined : normalizePhone(patch.phone);
    new Checker()
      .length('nickname', patch.nickname, limits.nickname.minLength, limits.nickname.maxLength)
      .length('bio', patch.bio, 0, limits.bio.maxLength)
      .link('avatar', patch.avatar)
      .username('username', patch.username)
      .email('email', patch.email)
      .phone('phone', phone)
      .oneOf('status', patch.status, userStatuses)
      .length('statusMessage', patch.statusMessage, 0, limits.statusMessage.maxLength)
      .language('language', patch.language)
      .oneOf('theme', patch.theme, themes)
      .done();
    checkAccountFieldsFree(await this.store.users.taken({ phone, email: patch.email, username: patch.username }, userId));

    const user = await this.tx
      .run(async (tx, emit) => {
        const updated = await tx.users.update(userId, { ...patch, phone }, this.clock.now());
        if (!updated) throw new AppError('USER_NOT_FOUND', 'user not found');
        emit({ type: 'user.updated', audience: { kind: 'user', id: userId }, data: { user: updated } });
        return updated;
      })
      .catch((err: unknown) => {
        throw accountConflict(err);
      });
    return this.selfView(user);
  }

  /**
   * Sets the status the user is shown with, connected or not (their availability, and the status
   * they choose); watchers learn of it through presence.
   */
  async setStatus(userId: number, status: UserStatus): Promise<UserView> {
    return this.updateMe(userId, { status });
  }

  async view(viewerId: number, userId: number): Promise<UserView> {
    return this.viewOf(viewerId, await this.store.users.byId(userId), 'user not found');
  }

  /** The user with this phone number (written with or without spaces and dashes), as the viewer may see them. */
  async byPhone(viewerId: number, phone: string): Promise<UserView> {
    return this.viewOf(viewerId, await this.store.users.byPhone(normalizePhone(phone)), 'no user with this phone number');
  }

  private async viewOf(viewerId: number, user: User | undefined, missing: string): Promise<UserView> {
    if (!user) throw new AppError('USER_NOT_FOUND', missing);
    const [view] = await this.viewsFor(viewerId, [user]);
    return view!;
  }

  /**
   * Username or nickname prefix, or exact phone; with `byEmail`, the exact email address too.
   * `nameOnly`: the nickname prefix alone (with `byEmail`, or the email), for documents whose
   * users have a display name and no username or phone.
   */
  async search(viewerId: number, query: string, page: PageRequest, opts: { byEmail?: boolean; nameOnly?: boolean } = {}): Promise<Page<UserView>> {
    const q = query.trim();
    new Checker().length('q', q, limits.searchQuery.minLength, limits.searchQuery.maxLength).done();
    const found = await this.store.users.search(q, viewerId, page, opts.byEmail ?? false, opts.nameOnly ?? false);
    return { items: await this.viewsFor(viewerId, found.items), total: found.total };
  }

  /** Views of these users (those that exist) for one viewer, by id. */
  async viewsByIds(viewerId: number, ids: readonly number[]): Promise<Map<number, UserView>> {
    const users = await this.store.users.byIds([...new Set(ids)]);
    const views = await this.viewsFor(viewerId, [...users.values()]);
    return new Map(views.map((v) => [v.user.id, v]));
  }

  /** Builds views of many users for one viewer with two queries, whatever the count. */
  async viewsFor(viewerId: number, users: readonly User[]): Promise<UserView[]> {
    const ids = users.map((u) => u.id);
    const [mine, theirs] = await Promise.all([
      this.store.contacts.contactsAmong(viewerId, ids),
      this.store.contacts.ownersHaving(viewerId, ids),
    ]);
    return users.map((user) => {
      const isSelf = user.id === viewerId;
      const isContact = mine.has(user.id);
      const mutual = isContact && theirs.has(user.id);
      const visible = isSelf || mutual ? user : { ...user, phone: null, email: null };
      const online = this.isOnline(user);
      return { user: visible, online, shownStatus: online ? user.status : 'offline', isContact, isFriend: mutual, availability: availabilityOf(user, online), isSelf };
    });
  }
}
