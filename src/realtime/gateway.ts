import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Core } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import type { AnySignal, DomainEvent } from '../domain/events.ts';
import { bearerToken, type AccessClaims } from '../services/tokens.ts';
import type { ClientCommand, CommandOutcome, FrameRef, ProfileCodec, Sender, SocketEndpoint } from './codec.ts';
import { CloseCode, Connection, type Wire } from './connection.ts';
import { clientAddress } from '../http/external-base.ts';
import { answerRaw } from '../http/raw-answer.ts';
import { trustProxyOption } from '../http/trust-proxy.ts';
import { handshakeProblem } from './handshake.ts';
import { Registry, type UserLink } from './registry.ts';

/** How a listener answers an upgrade to a path where no socket is: status and JSON body. */
export type SocketNotFound = (path: string) => { status: number; body: string };

/** A socket path compiled for matching: exact, or with `{param}` segments. */
interface Route {
  endpoint: SocketEndpoint;
  exact: string | null;
  pattern: RegExp | null;
  names: string[];
}

function compileRoute(endpoint: SocketEndpoint): Route {
  const path = normalizePath(endpoint.path);
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (names.length === 0) return { endpoint, exact: path, pattern: null, names };
  const source = path
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return { endpoint, exact: null, pattern: new RegExp(`^${source}$`), names };
}

function matchRoute(routes: readonly Route[], path: string): { endpoint: SocketEndpoint; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.exact === path) return { endpoint: r.endpoint, params: {} };
  }
  for (const r of routes) {
    const m = r.pattern?.exec(path);
    if (m) {
      try {
        return { endpoint: r.endpoint, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export interface GatewayStats {
  connections: number;
  users: number;
}

/** How long shutdown waits for clients to answer the 1001 close before cutting them. */
const SHUTDOWN_GRACE_MS = 2000;
/** Client frames kept while a connection starts (a client may speak as soon as the socket opens). */
const EARLY_FRAMES = 32;
/** How far over WS_MAX_FRAME a frame is still read (to answer it) rather than closing with 1009. */
const OVERSIZE_READ_FACTOR = 4;
const OVERSIZE_READ_CAP = 16 * 1024 * 1024;

/** Sessions checked per query when looking for ended ones. */
const ENDED_BATCH = 500;
/** How often the node looks whether another process ended sessions (see watchEnded). */
const ENDED_WATCH_MS = 500;

function normalizePath(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}


function parseSince(url: URL): number | null {
  const raw = url.searchParams.get('since');
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(n)) {
    throw AppError.validation([{ field: 'since', message: 'must be a non-negative integer (the last seq received)' }]);
  }
  return n;
}

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function asAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('INTERNAL', 'internal server error', { cause: err });
}

const tooFast = () => new AppError('RATE_LIMITED', 'too many frames; slow down');

/**
 * The WebSocket gateway of one node. It authenticates upgrades on the HTTP server (before the
 * handshake completes, so a refused client costs no socket state), keeps the open connections per
 * user, routes committed events and transient signals from the bus to them, and acts on client
 * frames (ping, resume, typing, status, calls, message.send).
 *
 * Each event or signal is encoded once per profile; the same string goes to every connection of
 * that profile. A failure in one connection (a throwing encoder, a dead socket) is contained to it.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly registry: Registry;
  /** Upgrades authenticated but not yet open, per user, counted against the connection limit. */
  private readonly opening = new Map<number, number>();
  /** Per connection, the chain of its commands that must run in order (sends, calls, status). */
  private readonly queues = new WeakMap<Connection, Promise<void>>();
  /** Each event's or signal's frame per profile, as bytes: encoded and converted once for all receivers. */
  private readonly frames = new WeakMap<object, Map<ProfileCodec, readonly Wire[]>>();
  private readonly tasks = new Set<Promise<unknown>>();
  /** Connection ids start with the node id (calls held by a dead node are found by it), then this run. */
  private readonly idPrefix: string;
  private counter = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly endedWatch: NodeJS.Timeout;
  /** The ended-sessions mark last seen in the database, and whether a look is under way. */
  private endedMark: string | undefined;
  private watching = false;
  private readonly unsubscribe: () => void;
  private closing: Promise<void> | undefined;
  /** Open connections by profile (every mounted profile listed, with 0 when none), and in all. */
  private readonly perProfile = new Map<string, number>();
  private openTotal = 0;
  /** The highest seq handed to the registry: the event log's head when nothing lags. */
  private routedSeq = 0;
  /** The client's address of an upgrade, read as Fastify reads a request's (TRUST_PROXY). */
  private readonly addressOf: (req: IncomingMessage) => string | undefined;

  constructor(private readonly core: Core) {
    this.idPrefix = `${core.nodeId}:${randomBytes(3).toString('hex')}`;
    this.wss = new WebSocketServer({
      noServer: true,
      // A frame over the limit is read and answered with an error frame, so a client that
      // misjudged a size keeps its connection; ws refuses (1009) only what is far beyond it.
      maxPayload: Math.max(core.config.ws.maxFrameBytes, Math.min(core.config.ws.maxFrameBytes * OVERSIZE_READ_FACTOR, OVERSIZE_READ_CAP)),
      // Compression would cost CPU and memory per connection and defeat encoding once per event.
      perMessageDeflate: false,
      clientTracking: false,
      skipUTF8Validation: true,
    });
    this.registry = new Registry(core.store.conversations, (link, event) => this.deliver(link, event));
    this.addressOf = clientAddress(trustProxyOption(core.config.trustProxy));
    this.unsubscribe = core.bus.subscribe({
      events: (events) => {
        for (const event of events) this.registry.route(event);
        const last = events.at(-1);
        if (last && last.seq > this.routedSeq) this.routedSeq = last.seq;
      },
      signal: (signal) => this.onSignal(signal as AnySignal),
    });
    this.heartbeat = setInterval(() => this.beat(), core.config.ws.heartbeatMs);
    this.heartbeat.unref();
    this.endedWatch = setInterval(() => this.watchEnded(), ENDED_WATCH_MS);
    this.endedWatch.unref();
    core.health.attachGateway(() => this.closing === undefined);
    // This node delivers only what is committed from now on: nothing before lags.
    void core.eventLog.latestSeq().then(
      (seq) => {
        if (seq > this.routedSeq) this.routedSeq = seq;
      },
      () => undefined,
    );
    core.admin.attachGateway(() => this.registry.connectionCount);
  }

  stats(): GatewayStats {
    return { connections: this.registry.connectionCount, users: this.registry.userCount };
  }

  /** Open connections by profile, every profile with a socket on a listener included. */
  connectionsByProfile(): ReadonlyMap<string, number> {
    return this.perProfile;
  }

  /** The highest event seq this node has handed to its connections. */
  get deliveredSeq(): number {
    return this.routedSeq;
  }

  /**
   * An `upgrade` listener for one HTTP listener and the sockets mounted on it; a path with no
   * socket gets `notFound`'s answer (in the envelope of the profile that owns the path).
   * `baseOf` reads the scheme and host the client connected with, for endpoints whose frames
   * link files under it.
   */
  upgradeHandler(
    endpoints: readonly SocketEndpoint[],
    notFound: SocketNotFound,
    baseOf: (req: IncomingMessage) => string | undefined = () => undefined,
  ): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
    const routes = endpoints.map(compileRoute);
    for (const e of endpoints) if (!this.perProfile.has(e.codec.name)) this.perProfile.set(e.codec.name, 0);
    return (req, socket, head) => {
      socket.on('error', () => undefined);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = normalizePath(url.pathname);
      const found = matchRoute(routes, path);
      if (!found) {
        const { status, body } = notFound(url.pathname);
        return answerRaw(socket, status, body);
      }
      const refusal = this.closing ? new AppError('UNAVAILABLE', 'the server is shutting down; reconnect shortly') : handshakeProblem(req);
      if (refusal) return this.refuse(found.endpoint.codec, req, socket, refusal);
      const base = found.endpoint.codecAt ? baseOf(req) : undefined;
      const codec = base === undefined ? found.endpoint.codec : found.endpoint.codecAt!(base);
      void this.accept(found.endpoint, codec, found.params, req, socket, head, url);
    };
  }

  /** Closes every connection with 1001 and waits for the work their closing starts. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async accept(
    endpoint: SocketEndpoint,
    codec: ProfileCodec,
    params: Record<string, string>,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
  ): Promise<void> {
    let claims: AccessClaims;
    let since: number | null;
    try {
      const token = bearerToken(req.headers.authorization, url.searchParams.get('token'));
      if (!token) throw new AppError('UNAUTHORIZED', 'missing token: connect with ?token=<access_token> or Authorization: Bearer <access_token>');
      claims = await this.core.auth.authenticate(token);
      endpoint.authorizeUpgrade?.({ userId: claims.userId, sessionId: claims.sessionId, deviceId: claims.deviceId ?? '', params, query: url.searchParams });
      since = parseSince(url);
      // Other nodes' connections count too (0 on a single node); this node's are counted after
      // the wait, with nothing awaited until this upgrade is counted as opening.
      const elsewhere = await this.core.presence.connectionsElsewhere(claims.userId);
      const open = this.registry.connectionsOf(claims.userId) + (this.opening.get(claims.userId) ?? 0) + elsewhere;
      if (open >= this.core.config.ws.maxConnectionsPerUser) {
        throw new AppError('TOO_MANY_CONNECTIONS', `at most ${this.core.config.ws.maxConnectionsPerUser} connections per user; close another first`);
      }
    } catch (err) {
      const appError = asAppError(err);
      if (appError.status >= 500) this.core.logger.error({ err }, 'websocket upgrade failed');
      return this.refuse(codec, req, socket, appError);
    }
    if (socket.destroyed || this.closing) return void socket.destroy();
    this.opening.set(claims.userId, (this.opening.get(claims.userId) ?? 0) + 1);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const n = (this.opening.get(claims.userId) ?? 1) - 1;
      if (n > 0) this.opening.set(claims.userId, n);
      else this.opening.delete(claims.userId);
      this.track(this.open(ws, socket, codec, claims, since, this.addressOf(req)));
    });
  }

  /** Answers an upgrade with the profile's error; like a refused request, it gets a log line. */
  private refuse(codec: ProfileCodec, req: IncomingMessage, socket: Duplex, err: AppError): void {
    const { status, body } = codec.refusal(err);
    this.core.metrics?.socketRefused(codec.name, status);
    const path = (req.url ?? '/').split('?')[0];
    this.core.logger.info({ profile: codec.name, path, statusCode: status, reason: err.code, remoteAddress: this.addressOf(req) }, 'websocket refused');
    answerRaw(socket, status, body);
  }

  private async open(ws: WebSocket, socket: Duplex, codec: ProfileCodec, claims: AccessClaims, since: number | null, address: string | undefined): Promise<void> {
    const { core } = this;
    const conn = new Connection(
      `${this.idPrefix}-${(++this.counter).toString(36)}`,
      claims.userId,
      claims.sessionId,
      codec,
      ws,
      { bufferLimit: core.config.ws.bufferLimitBytes, frameRate: core.config.ws.frameRate },
      socket,
      { address, meter: core.metrics?.deliveries(codec.name) },
    );
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('error', (err) => core.logger.debug({ err, connection: conn.id }, 'websocket error'));
    ws.on('close', (code) => this.onClose(conn, code));
    core.presence.connected(conn.userId);
    const link = this.registry.add(conn);
    this.counted(codec.name, +1);
    core.metrics?.socketOpened(codec.name);
    core.logger.info({ ...this.described(conn), since }, 'websocket open');
    try {
      await link.ready;
      const latestSeq = await core.eventLog.latestSeq();
      if (!conn.open) return;
      const now = core.clock.now();
      const hello = codec.connect({ userId: conn.userId, connectionId: conn.id, latestSeq, heartbeatMs: core.config.ws.heartbeatMs, at: now });
      if (hello !== null) conn.send(hello);
      const early = conn.early ?? [];
      conn.early = null;
      for (const f of early) this.onFrame(conn, f.data, f.isBinary);
      await conn.catchUp(core.eventLog, since, latestSeq, () => core.clock.now());
    } catch (err) {
      core.logger.error({ err, userId: conn.userId }, 'websocket connection could not start');
      conn.close(CloseCode.internalError, 'internal error; reconnect');
    }
  }

  private onClose(conn: Connection, code: number): void {
    this.counted(conn.codec.name, -1);
    this.core.metrics?.socketClosed(conn.codec.name, code);
    this.core.logger.info({ ...this.described(conn), code, ms: Date.now() - conn.openedAt }, 'websocket closed');
    if (conn.open) conn.terminate();
    this.registry.remove(conn);
    this.core.presence.disconnected(conn.userId);
    if (conn.inCall) {
      this.track(this.core.calls.connectionClosed({ userId: conn.userId, connectionId: conn.id }));
    }
  }

  private counted(profile: string, change: 1 | -1): void {
    this.perProfile.set(profile, (this.perProfile.get(profile) ?? 0) + change);
    this.openTotal += change;
  }

  /** A connection as its log lines name it, with the counts of this node's connections now. */
  private described(conn: Connection) {
    const profile = conn.codec.name;
    return {
      profile,
      userId: conn.userId,
      connection: conn.id,
      remoteAddress: conn.info.address,
      connections: this.openTotal,
      profileConnections: this.perProfile.get(profile) ?? 0,
    };
  }

  /** Hands an event to the connections of one user, encoding it at most once per profile. */
  private deliver(link: UserLink, event: DomainEvent): void {
    for (const conn of link.connections) {
      if (conn.codec.shows?.(event, link.userId) === false) continue;
      conn.deliverEvent(event, () => this.encoded(event, conn.codec, () => conn.codec.event(event)));
    }
  }

  private onSignal(signal: AnySignal): void {
    if (signal.type === 'session.revoked') {
      for (const conn of this.registry.link(signal.data.userId)?.connections ?? []) {
        if (conn.sessionId === signal.data.sessionId) conn.close(CloseCode.sessionEnded, 'session ended: log in again');
      }
      return;
    }
    for (const conn of this.registry.signalTargets(signal.audience)) {
      for (const frame of this.encoded(signal, conn.codec, () => conn.codec.signal(signal))) conn.deliverSignal(frame);
    }
  }

  private encoded(item: object, codec: ProfileCodec, encode: () => readonly string[]): readonly Wire[] {
    let byCodec = this.frames.get(item);
    if (!byCodec) this.frames.set(item, (byCodec = new Map<ProfileCodec, readonly Wire[]>()));
    let frames = byCodec.get(codec);
    if (frames === undefined) {
      try {
        frames = encode().map((text) => Buffer.from(text));
      } catch (err) {
        this.core.logger.error({ err, type: (item as { type?: string }).type }, 'encoding a frame failed');
        frames = [];
      }
      byCodec.set(codec, frames);
    }
    return frames;
  }

  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    if (!conn.open) return;
    if (conn.early) {
      if (conn.early.length < EARLY_FRAMES) conn.early.push({ data, isBinary });
      else conn.close(CloseCode.policy, 'too many frames before the connect frame');
      return;
    }
    const { codec } = conn;
    const now = this.core.clock.now();
    // A frame over the pace is still answered once, and with its request id when it has one
    // (decoded for that alone), so a client waiting on that id hears why.
    const admitted = conn.admitFrame(now);
    if (isBinary) {
      this.refuseFrame(conn, admitted, new AppError('BAD_REQUEST', 'binary frames are not supported; send JSON text'), {});
      return;
    }
    // ws leaves UTF-8 to us (skipUTF8Validation) so that a bad frame gets an error frame
    // instead of closing the connection (1007).
    const bytes = bytesOf(data);
    if (bytes.length > this.core.config.ws.maxFrameBytes) {
      this.refuseFrame(conn, admitted, new AppError('PAYLOAD_TOO_LARGE', `the frame is larger than ${this.core.config.ws.maxFrameBytes} bytes`), {});
      return;
    }
    if (!isUtf8(bytes)) {
      this.refuseFrame(conn, admitted, new AppError('BAD_REQUEST', 'the frame is not valid UTF-8 text'), {});
      return;
    }
    const decoded = codec.decode(bytes.toString('utf8'));
    if (!decoded.ok) {
      this.refuseFrame(conn, admitted, decoded.error, decoded.ref);
      return;
    }
    if (!admitted) {
      conn.send(codec.error(tooFast(), decoded.ref));
      return;
    }
    try {
      this.execute(conn, decoded.command, decoded.ref, now);
    } catch (err) {
      this.fail(conn, err, decoded.ref);
    }
  }

  /** A frame's error answer; over the pace, whatever else is wrong with it, the answer says that. */
  private refuseFrame(conn: Connection, admitted: boolean, error: AppError, ref: FrameRef): void {
    conn.send(conn.codec.error(admitted ? error : tooFast(), ref));
  }

  private execute(conn: Connection, command: ClientCommand, ref: FrameRef, now: number): void {
    const { core } = this;
    const from: Sender = { userId: conn.userId, sessionId: conn.sessionId, connectionId: conn.id };
    switch (command.type) {
      case 'ping':
        conn.send(conn.codec.pong(command.echo, now, ref));
        return;
      case 'typing':
        return this.serially(conn, ref, async () => {
          await core.conversations.typing(conn.userId, command.conversationId, command.isTyping);
          this.answer(conn, { type: 'typing', userId: conn.userId, conversationId: command.conversationId, isTyping: command.isTyping, at: core.clock.now() }, ref);
        });
      case 'read':
        return this.serially(conn, ref, async () => {
          await core.messages.readUpTo(conn.userId, command.conversationId, command.messageId);
          this.answer(conn, { type: 'read', userId: conn.userId, conversationId: command.conversationId, messageId: command.messageId, at: core.clock.now() }, ref);
        });
      case 'resume':
        if (!conn.beginReplay()) throw new AppError('CONFLICT', 'a resume is already in progress on this connection');
        this.track(conn.catchUp(core.eventLog, command.since, command.since, () => core.clock.now()).catch((err: unknown) => this.fail(conn, err, ref)));
        return;
      case 'status':
        return this.serially(conn, ref, async () => {
          const { user } = await core.users.updateMe(conn.userId, { status: command.status, statusMessage: command.statusMessage });
          this.answer(conn, { type: 'status', user, at: core.clock.now() }, ref);
        });
      case 'call.offer':
        conn.inCall = true;
        return this.serially(conn, ref, async () => {
          await core.calls.offer(from, { toUserId: command.toUserId, media: command.media, sdp: command.sdp, clientId: command.clientId });
        });
      case 'call.answer':
        conn.inCall = true;
        return this.serially(conn, ref, async () => {
          await core.calls.answer(from, command.callId, command.sdp);
        });
      case 'call.ice':
        return this.serially(conn, ref, () => core.calls.ice(from, command.callId, command.candidate));
      case 'call.end':
        return this.serially(conn, ref, async () => {
          await core.calls.hangUp(from, command.callId);
        });
      case 'call.invite':
        return this.serially(conn, ref, async () => {
          await core.calls.invite(from.userId, { toUserId: command.toUserId, media: command.media, callId: command.callId });
        });
      case 'message.send':
        return this.serially(conn, ref, async () => {
          // The REST send's budget, taken first as the REST guard does.
          await core.limiter.take('send', `user:${from.userId}`);
          const result = await core.messages.send(from.userId, command.conversationId, command.input);
          const ack = conn.codec.ack(result, ref);
          if (ack !== null) conn.send(ack);
        });
    }
  }

  /** The document's answer to a command that succeeded, where it has one. */
  private answer(conn: Connection, outcome: CommandOutcome, ref: FrameRef): void {
    const frame = conn.codec.done?.(outcome, ref);
    if (frame) conn.send(frame);
  }

  /** Runs a command after the connection's previous ones, so a client's sends keep their order. */
  private serially(conn: Connection, ref: FrameRef, task: () => Promise<void>): void {
    const next = (this.queues.get(conn) ?? Promise.resolve()).then(async () => {
      if (!conn.open) return;
      try {
        await task();
      } catch (err) {
        this.fail(conn, err, ref);
      }
    });
    this.queues.set(conn, next);
    this.track(next);
  }

  /** Answers a failed client frame with an error frame; the connection stays up. */
  private fail(conn: Connection, err: unknown, ref: FrameRef): void {
    const appError = asAppError(err);
    if (appError.status >= 500) this.core.logger.error({ err, connection: conn.id }, 'websocket command failed');
    conn.send(conn.codec.error(appError, ref));
  }

  private beat(): void {
    for (const conn of this.registry.allConnections()) {
      if (!conn.alive) {
        conn.terminate();
        continue;
      }
      conn.alive = false;
      conn.ping();
    }
    // Ended sessions whose signal never came close here: with several nodes, a logout's
    // session.revoked is lost for other nodes while Redis is away; an account disabled in the
    // database by hand sends no signal at all.
    this.track(this.closeEnded());
  }

  /**
   * Sessions ended by another process reach this node through no bus when there is no Redis
   * (`parley user disable` on a single node): that process leaves a new mark in the database, and
   * a changed mark makes this node close its connections whose session has ended, within a second.
   */
  private watchEnded(): void {
    if (this.watching || this.closing) return;
    this.watching = true;
    const look = async () => {
      const mark = await this.core.store.sessions.endedMark();
      if (mark === this.endedMark) return;
      this.endedMark = mark;
      await this.closeEnded();
    };
    // A database that does not answer is reported by the requests that need it.
    this.track(look().catch(() => undefined).finally(() => (this.watching = false)));
  }

  private async closeEnded(): Promise<void> {
    const bySession = new Map<string, Connection[]>();
    for (const conn of this.registry.allConnections()) {
      if (conn.open) bySession.set(conn.sessionId, [...(bySession.get(conn.sessionId) ?? []), conn]);
    }
    const ids = [...bySession.keys()];
    for (let i = 0; i < ids.length; i += ENDED_BATCH) {
      for (const id of await this.core.store.sessions.endedAmong(ids.slice(i, i + ENDED_BATCH))) {
        for (const conn of bySession.get(id) ?? []) conn.close(CloseCode.sessionEnded, 'session ended: log in again');
      }
    }
  }

  private track(task: Promise<unknown>): void {
    const t = task.catch((err: unknown) => this.core.logger.error({ err }, 'websocket task failed')).finally(() => this.tasks.delete(t));
    this.tasks.add(t);
  }

  private async shutdown(): Promise<void> {
    this.core.admin.detachGateway();
    clearInterval(this.heartbeat);
    clearInterval(this.endedWatch);
    const connections = [...this.registry.allConnections()];
    for (const conn of connections) conn.close(CloseCode.goingAway, 'server shutting down');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.registry.listed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const conn of this.registry.allConnections()) conn.terminate();
    // A terminated socket reports its close on a later tick; let those run (and their cleanup start).
    for (let i = 0; i < 100 && this.registry.listed > 0; i++) await new Promise((r) => setImmediate(r));
    while (this.tasks.size > 0) await Promise.all(this.tasks);
    await this.core.presence.idle();
    await this.core.calls.idle();
    this.unsubscribe();
    this.wss.close();
  }
}
