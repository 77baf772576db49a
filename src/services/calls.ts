import { randomBytes } from 'node:crypto';
import type { IceConfig } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import type { CallEndReason, IceCandidate, Signal, SignalAudience, SignalMap } from '../domain/events.ts';
import { userSummary, type Call, type CallMedia } from '../domain/types.ts';
import { Checker } from '../domain/validation.ts';
import type { Bus } from '../realtime/bus.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { iceServersFor, type IceServerList } from './ice-servers.ts';
import type { Presence } from './presence.ts';

/**
 * One end of a call: a user on one particular connection (device), or, with `connectionId` null,
 * the user as such (a REST request): signals for that end then reach every connection of theirs,
 * and candidates may come from any of them. So REST and WebSocket signalling mix in one call.
 */
export interface CallEndpoint {
  userId: number;
  connectionId: string | null;
}

export interface CallOptions {
  /** How long a call may ring before it ends with `timeout`. */
  ringTimeoutMs: number;
  /** STUN/TURN servers handed to callers. */
  ice: IceConfig;
}

export interface OfferInput {
  toUserId: number;
  media: CallMedia;
  sdp: string;
  /** Echoed in the caller's `call.ringing`/`call.end` so it can match its request. */
  clientId?: string | null;
}

/**
 * Keeps the record of ended calls (MessageService: a `call` message in the private chat of the two
 * parties). Told once per ended call, after the end is committed, with the final record (reason,
 * duration); its failures are logged, never rethrown.
 */
export interface CallRecorder {
  recordCall(call: Call): Promise<unknown>;
}

export const callLimits = { sdp: 65_536, candidate: 2048, sdpMid: 256 } as const;

const mediaKinds: readonly CallMedia[] = ['audio', 'video'];
/** A ringing call whose timer lived in a process that died is considered over after this margin. */
const STALE_MARGIN_MS = 5000;

function newCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/**
 * One-to-one call signalling over the `calls` table. The offer rings every device of the callee;
 * the first device to answer takes the call and the others stop ringing; answers and ICE
 * candidates then travel only between the two connections holding the call. A call ends by
 * hang-up, rejection, cancellation, busy (either party already in a live call), no answer within
 * the ring timeout, or the loss of a connection holding it.
 */
export class CallService {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly presence: Presence,
    private readonly clock: Clock,
    private readonly opts: CallOptions,
    private readonly recorder: CallRecorder,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * An invitation to a call, told to the callee's connections and kept nowhere: for documents
   * whose clients negotiate the call among themselves (chat8). `callId` is the caller's, or a new one.
   */
  async invite(fromUserId: number, input: { toUserId: number; media: CallMedia; callId: string | null }): Promise<string> {
    new Checker()
      .check(input.toUserId !== fromUserId, 'toUserId', 'you cannot call yourself')
      .oneOf('media', input.media, mediaKinds)
      .length('callId', input.callId, 1, 64)
      .done();
    const users = await this.store.users.byIds([fromUserId, input.toUserId]);
    const caller = users.get(fromUserId);
    const callee = users.get(input.toUserId);
    if (!caller || !callee || callee.isDisabled) throw new AppError('USER_NOT_FOUND', 'user not found');
    const callId = input.callId ?? newCallId();
    if (await this.store.contacts.isBlocked(callee.id, fromUserId)) return callId;
    this.bus.signal({
      type: 'call.invite',
      audience: { kind: 'user', id: callee.id },
      data: { callId, media: input.media, caller: userSummary(caller), toUserId: callee.id, at: this.clock.now() },
    });
    return callId;
  }

  async offer(from: CallEndpoint, input: OfferInput): Promise<Call> {
    new Checker()
      .check(input.toUserId !== from.userId, 'toUserId', 'you cannot call yourself')
      .oneOf('media', input.media, mediaKinds)
      .length('sdp', input.sdp, 1, callLimits.sdp)
      .done();
    const users = await this.store.users.byIds([from.userId, input.toUserId]);
    const caller = users.get(from.userId);
    const callee = users.get(input.toUserId);
    if (!caller || !callee || callee.isDisabled) throw new AppError('USER_NOT_FOUND', 'user not found');
    const clientId = input.clientId ?? null;

    const now = this.clock.now();
    const { call, stale } = await this.store.transaction(async (tx) => {
      await tx.calls.lockParties([from.userId, callee.id]);
      const stale: Call[] = [];
      let busy = false;
      for (const live of await tx.calls.liveFor([from.userId, callee.id])) {
        const reason = this.staleReason(live, now);
        const ended = reason && (await tx.calls.end(live.id, [live.state], reason, now));
        if (ended) stale.push(ended);
        else busy = true;
      }
      // A call offered over REST rings whether or not the callee is connected right now (a device may connect while it rings).
      const offline = from.connectionId !== null && !this.presence.isOnline(callee.id);
      const unreachable = offline || (await tx.contacts.isBlocked(callee.id, from.userId));
      const endReason: CallEndReason | undefined = busy ? 'busy' : unreachable ? 'unavailable' : undefined;
      const call = await tx.calls.insert({
        id: newCallId(),
        callerId: from.userId,
        calleeId: callee.id,
        media: input.media,
        state: endReason ? 'ended' : 'ringing',
        endReason,
        callerConnection: from.connectionId,
        at: now,
      });
      return { call, stale };
    });

    for (const s of stale) this.finish(s, s.endReason as CallEndReason, null, null);
    if (call.state === 'ended') {
      this.finish(call, call.endReason as CallEndReason, null, clientId);
      return call;
    }
    this.startRinging(call);
    this.send('call.offer', { kind: 'user', id: callee.id }, { call, sdp: input.sdp, caller: userSummary(caller), at: now });
    this.send('call.ringing', this.callerEnd(call), { call, clientId, at: now });
    return call;
  }

  async answer(from: CallEndpoint, callId: string, sdp: string): Promise<Call> {
    new Checker().length('sdp', sdp, 1, callLimits.sdp).done();
    const now = this.clock.now();
    const call = await this.store.calls.answer(callId, from.userId, from.connectionId, now);
    if (!call) {
      const existing = await this.partyCall(from, callId);
      if (existing.calleeId !== from.userId) throw new AppError('FORBIDDEN', 'only the callee can answer a call');
      throw new AppError('CALL_STATE', `the call is ${existing.state === 'ended' ? 'over' : 'already answered'}`);
    }
    this.stopRinging(call.id);
    this.send('call.answer', this.callerEnd(call), { call, sdp, at: now });
    // The callee's other devices stop ringing (answered over REST, no one device holds the call).
    if (from.connectionId !== null) {
      this.send('call.end', { kind: 'user', id: call.calleeId, exceptConnection: from.connectionId }, { call, reason: 'answered_elsewhere', endedBy: null, clientId: null, at: now });
    }
    return call;
  }

  /** Relays a candidate to the other end: the answering device, or every ringing device before the answer. */
  async ice(from: CallEndpoint, callId: string, candidate: IceCandidate): Promise<void> {
    new Checker()
      .length('candidate', candidate.candidate, 0, callLimits.candidate)
      .length('sdpMid', candidate.sdpMid, 0, callLimits.sdpMid)
      .done();
    const call = await this.partyCall(from, callId);
    if (call.state === 'ended') throw new AppError('CALL_STATE', 'the call is over');
    const fromCaller = call.callerId === from.userId;
    if (!fromCaller && call.state === 'ringing') throw new AppError('CALL_STATE', 'answer the call before sending candidates');
    // An end held by one connection takes candidates from it alone; an end held over REST, from any connection of its party.
    const own = fromCaller ? call.callerConnection : call.calleeConnection;
    if (own !== null && own !== from.connectionId) throw new AppError('CALL_STATE', 'this call belongs to another of your devices');
    const to: SignalAudience = fromCaller ? this.calleeEnd(call) : this.callerEnd(call);
    const toUserId = fromCaller ? call.calleeId : call.callerId;
    this.send('call.ice', to, { call, fromUserId: from.userId, toUserId, candidate, at: this.clock.now() });
  }

  /** Ends a call on behalf of one of its parties: cancel, reject or hang up depending on the moment. */
  async hangUp(from: CallEndpoint, callId: string): Promise<Call> {
    const call = await this.partyCall(from, callId);
    if (call.state === 'ended') throw new AppError('CALL_STATE', 'the call is already over');
    const reason: CallEndReason = call.state === 'connected' ? 'user_hangup' : call.callerId === from.userId ? 'cancelled' : 'rejected';
    const ended = await this.store.calls.end(call.id, [call.state], reason, this.clock.now());
    if (!ended) throw new AppError('CALL_STATE', 'the call changed meanwhile; try again');
    this.finish(ended, reason, from.userId, null, from.connectionId === null ? from.userId : undefined);
    return ended;
  }

  /** The STUN/TURN servers for the user's calls, with TURN credentials minted for them when configured. */
  iceServers(userId: number): IceServerList {
    return iceServersFor(this.opts.ice, userId, this.clock.now());
  }

  /** A connection closed: calls it held an end of are over. */
  async connectionClosed(from: CallEndpoint): Promise<void> {
    const now = this.clock.now();
    if (from.connectionId === null) return;
    for (const call of await this.store.calls.liveOnConnection(from.userId, from.connectionId)) {
      const ended = await this.store.calls.end(call.id, [call.state], 'disconnected', now);
      if (ended) this.finish(ended, 'disconnected', from.userId, null);
    }
  }

  /**
   * A node died (or this node restarted under the same id): calls its connections held are over
   * for the other party too. Each end is conditional, so when several nodes learn of it, one wins.
   */
  async nodeDied(nodeId: string): Promise<void> {
    const now = this.clock.now();
    for (const call of await this.store.calls.liveOnNode(nodeId)) {
      const ended = await this.store.calls.end(call.id, [call.state], 'disconnected', now);
      if (ended) this.finish(ended, 'disconnected', null, null);
    }
  }

  /** Runs nodeDied in the background (its failures are logged). */
  endCallsOf(nodeId: string): void {
    this.track(this.nodeDied(nodeId));
  }

  /** Resolves once every ended call has been recorded (or its recording failed). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all(this.tasks);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async partyCall(from: CallEndpoint, callId: string): Promise<Call> {
    const call = typeof callId === 'string' && callId.length <= 64 ? await this.store.calls.byId(callId) : undefined;
    if (!call || (call.callerId !== from.userId && call.calleeId !== from.userId)) throw new AppError('CALL_NOT_FOUND', 'no such call');
    return call;
  }

  /** Why a live call found in the table is in fact over, if it is (left by a dead process). */
  private staleReason(call: Call, now: number): CallEndReason | undefined {
    if (call.state === 'ringing' && !this.timers.has(call.id) && call.createdAt + this.opts.ringTimeoutMs + STALE_MARGIN_MS < now) return 'timeout';
    if (call.state === 'connected' && !(this.presence.isOnline(call.callerId) && this.presence.isOnline(call.calleeId))) return 'disconnected';
    return undefined;
  }

  private callerEnd(call: Call): SignalAudience {
    return call.callerConnection === null ? { kind: 'user', id: call.callerId } : { kind: 'connection', userId: call.callerId, connectionId: call.callerConnection };
  }

  /** The answering connection, or every connection of the callee while it rings or when answered over REST. */
  private calleeEnd(call: Call): SignalAudience {
    return call.calleeConnection === null ? { kind: 'user', id: call.calleeId } : { kind: 'connection', userId: call.calleeId, connectionId: call.calleeConnection };
  }

  private startRinging(call: Call): void {
    const timer = setTimeout(() => {
      this.timers.delete(call.id);
      this.track(this.expire(call.id));
    }, this.opts.ringTimeoutMs);
    timer.unref();
    this.timers.set(call.id, timer);
  }

  private stopRinging(callId: string): void {
    clearTimeout(this.timers.get(callId));
    this.timers.delete(callId);
  }

  private async expire(callId: string): Promise<void> {
    const ended = await this.store.calls.end(callId, ['ringing'], 'timeout', this.clock.now());
    if (ended) this.finish(ended, 'timeout', null, null);
  }

  /**
   * Tells whoever was involved, then has the call recorded. `answered`: a party who ended the call
   * over REST, whose answer tells them, so only the other party hears of it.
   */
  private finish(call: Call, reason: CallEndReason, endedBy: number | null, clientId: string | null, answered?: number): void {
    this.stopRinging(call.id);
    const data = { call, reason, endedBy, clientId, at: call.endedAt ?? this.clock.now() };
    if (answered !== call.callerId) this.send('call.end', this.callerEnd(call), data);
    const toCallee = answered !== call.calleeId;
    if (toCallee && call.calleeConnection !== null) {
      this.send('call.end', { kind: 'connection', userId: call.calleeId, connectionId: call.calleeConnection }, data);
    } else if (toCallee && reason !== 'busy' && reason !== 'unavailable') {
      // It rang on every device of the callee: all of them stop.
      this.send('call.end', { kind: 'user', id: call.calleeId }, data);
    }
    this.track(this.recorder.recordCall(call));
  }

  private track(task: Promise<unknown>): void {
    const t = task.catch(this.onError).finally(() => this.tasks.delete(t));
    this.tasks.add(t);
  }

  private send<T extends 'call.offer' | 'call.ringing' | 'call.answer' | 'call.ice' | 'call.end'>(
    type: T,
    audience: SignalAudience,
    data: SignalMap[T],
  ): void {
    const signal: Signal<T> = { type, audience, data };
    this.bus.signal(signal);
  }
}
