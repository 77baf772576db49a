import { AppError } from '../domain/errors.ts';
import { userSummary, type FriendRequest, type User } from '../domain/types.ts';
import { Checker } from '../domain/validation.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { Emit, Transactor } from './transactor.ts';
import type { UserService, UserView } from './users.ts';

/** A pending request as its recipient lists it. */
export interface ReceivedRequest {
  request: FriendRequest;
  from: User;
}

export const friendLimits = { message: 500 };

/**
 * Friends are two users who have each other as contacts, so a friendship made here is the same
 * relationship as two contacts added in the primary API. A request asks for it; accepting makes
 * both contacts (announced as `contact.added` to each), rejecting makes nothing. Either way the
 * request is settled and a new one may follow. Removing a friend removes both contacts.
 */
export class FriendService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly users: UserService,
    private readonly clock: Clock,
  ) {}

  /** The user's friends, as they see them. */
  async list(userId: number): Promise<UserView[]> {
    return this.users.viewsFor(userId, await this.store.friends.friendsOf(userId));
  }

  async request(fromId: number, toId: number, message = ''): Promise<FriendRequest> {
    new Checker().length('message', message, 0, friendLimits.message).done();
    if (toId === fromId) throw new AppError('CANNOT_ADD_SELF', 'you cannot send a friend request to yourself');
    const [from, to] = await Promise.all([this.store.users.byId(fromId), this.store.users.byId(toId)]);
    if (!from || !to) throw new AppError('USER_NOT_FOUND', `no such user: ${toId}`);
    if (await this.areFriends(fromId, toId)) throw new AppError('ALREADY_FRIENDS', 'you are friends already');
    return this.tx.run(async (tx, emit) => {
      if (await tx.friends.pendingBetween(fromId, toId)) throw new AppError('FRIEND_REQUEST_EXISTS', 'a friend request between you is pending');
      const request = await tx.friends.insert({ fromUserId: fromId, toUserId: toId, message, at: this.clock.now() });
      emit({ type: 'friend_request.created', audience: { kind: 'user', id: toId }, data: { request, from: userSummary(from) } });
      return request;
    });
  }

  /** The pending requests the user received, oldest first. */
  received(userId: number): Promise<ReceivedRequest[]> {
    return this.store.friends.received(userId);
  }

  /**
   * The recipient accepts or rejects a pending request. Anyone else, and a request settled
   * already, get "not found": a request is nobody else's business.
   */
  async handle(userId: number, requestId: number, accept: boolean): Promise<FriendRequest> {
    const me = await this.store.users.byId(userId);
    if (!me) throw new AppError('USER_NOT_FOUND', 'user not found');
    return this.tx.run(async (tx, emit) => {
      const found = await tx.friends.byId(requestId);
      if (!found || found.toUserId !== userId || found.status !== 'pending') {
        throw new AppError('FRIEND_REQUEST_NOT_FOUND', `no pending friend request ${requestId} to you`);
      }
      const at = this.clock.now();
      const request = (await tx.friends.settle(requestId, accept ? 'accepted' : 'rejected', at))!;
      if (accept) {
        const other = await tx.users.byId(request.fromUserId);
        if (other) {
          await this.befriend(tx, emit, me, other, at);
          await this.befriend(tx, emit, other, me, at);
        }
      }
      const by = userSummary(me);
      emit({ type: 'friend_request.handled', audience: { kind: 'user', id: request.fromUserId }, data: { request, by } });
      emit({ type: 'friend_request.handled', audience: { kind: 'user', id: userId }, data: { request, by } });
      return request;
    });
  }

  /** Ends a friendship on both sides; 404 when the two are not friends. */
  async remove(userId: number, friendId: number): Promise<void> {
    if (!(await this.areFriends(userId, friendId))) throw new AppError('NOT_FRIENDS', 'this user is not your friend');
    await this.tx.run(async (tx, emit) => {
      for (const [ownerId, contactUserId] of [
        [userId, friendId],
        [friendId, userId],
      ] as const) {
        if (await tx.contacts.remove(ownerId, contactUserId)) {
          emit({ type: 'contact.removed', audience: { kind: 'user', id: ownerId }, data: { ownerId, contactUserId } });
        }
      }
    });
  }

  async areFriends(a: number, b: number): Promise<boolean> {
    const [mine, theirs] = await Promise.all([this.store.contacts.get(a, b), this.store.contacts.get(b, a)]);
    return mine !== undefined && theirs !== undefined;
  }

  /** `owner` has `user` as a contact from now on (unless already). */
  private async befriend(tx: Store, emit: Emit, owner: User, user: User, at: number): Promise<void> {
    if (await tx.contacts.get(owner.id, user.id)) return;
    const contact = await tx.contacts.insert({ ownerId: owner.id, contactUserId: user.id, nickname: '', at });
    emit({ type: 'contact.added', audience: { kind: 'user', id: owner.id }, data: { contact, user } });
  }
}
