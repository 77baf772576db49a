import { AppError, UniqueConflict } from '../domain/errors.ts';
import type { Contact, PageRequest } from '../domain/types.ts';
import { Checker, limits, normalizePhone } from '../domain/validation.ts';
import type { ContactPatch } from '../store/repos/contacts.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { Transactor } from './transactor.ts';
import type { UserService, UserView } from './users.ts';

export interface ContactView {
  contact: Contact;
  view: UserView;
}

export type ContactTarget = { phone: string } | { userId: number };

/**
 * Contacts are one-directional: A adding B changes only A's list. Each change is logged as an
 * event for the owner's devices. The blocked flag is read by the message service.
 */
export class ContactService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly users: UserService,
    private readonly clock: Clock,
  ) {}

  async list(ownerId: number, page: PageRequest): Promise<{ items: ContactView[]; total: number }> {
    const { items, total } = await this.store.contacts.list(ownerId, page);
    const views = await this.users.viewsFor(ownerId, items.map((c) => c.user));
    return { items: items.map(({ user: _user, ...contact }, i) => ({ contact, view: views[i]! })), total };
  }

  async add(ownerId: number, target: ContactTarget, nickname = ''): Promise<ContactView> {
    new Checker().length('nickname', nickname, 0, limits.contactNickname.maxLength).done();
    const user =
      'phone' in target ? await this.store.users.byPhone(normalizePhone(target.phone)) : await this.store.users.byId(target.userId);
    if (!user) throw new AppError('USER_NOT_FOUND', 'no user with this phone number');
    if (user.id === ownerId) throw new AppError('CANNOT_ADD_SELF', 'you cannot add yourself as a contact');
    if (await this.store.contacts.get(ownerId, user.id)) throw new AppError('CONTACT_EXISTS', 'this user is already a contact');

    const contact = await this.tx
      .run(async (tx, emit) => {
        const created = await tx.contacts.insert({ ownerId, contactUserId: user.id, nickname, at: this.clock.now() });
        emit({ type: 'contact.added', audience: { kind: 'user', id: ownerId }, data: { contact: created, user } });
        return created;
      })
      .catch((err: unknown) => {
        if (err instanceof UniqueConflict && err.target === 'contacts.pair') throw new AppError('CONTACT_EXISTS', 'this user is already a contact');
        throw err;
      });
    const [view] = await this.users.viewsFor(ownerId, [user]);
    return { contact, view: view! };
  }

  async update(ownerId: number, contactUserId: number, patch: ContactPatch): Promise<ContactView> {
    new Checker().length('nickname', patch.nickname, 0, limits.contactNickname.maxLength).done();
    const user = await this.store.users.byId(contactUserId);
    const contact = await this.tx.run(async (tx, emit) => {
      const updated = user && (await tx.contacts.update(ownerId, contactUserId, patch, this.clock.now()));
      if (!user || !updated) throw new AppError('CONTACT_NOT_FOUND', 'this user is not in your contacts');
      emit({ type: 'contact.updated', audience: { kind: 'user', id: ownerId }, data: { contact: updated, user } });
      return updated;
    });
    const [view] = await this.users.viewsFor(ownerId, [user!]);
    return { contact, view: view! };
  }

  async remove(ownerId: number, contactUserId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      if (!(await tx.contacts.remove(ownerId, contactUserId))) {
        throw new AppError('CONTACT_NOT_FOUND', 'this user is not in your contacts');
      }
      emit({ type: 'contact.removed', audience: { kind: 'user', id: ownerId }, data: { ownerId, contactUserId } });
    });
  }
}
