import type { AppError } from '../domain/errors.ts';
import type { AnySignal, DomainEvent, IceCandidate } from '../domain/events.ts';
import type { CallMedia, User, UserStatus } from '../domain/types.ts';
import type { SendInput, SendResult } from '../services/messages.ts';

/**
 * A client frame, decoded by a profile into the core's terms. Every profile maps its own frame
 * names and fields onto these; the gateway acts on them (calling the services) without knowing
 * any document.
 */
export type ClientCommand =
  | { type: 'ping'; echo: unknown }
  | { type: 'resume'; since: number }
  | { type: 'typing'; conversationId: number; isTyping: boolean }
  /** The member has read the conversation up to this message (their read position moves forward only). */
  | { type: 'read'; conversationId: number; messageId: number }
  | { type: 'status'; status: UserStatus | undefined; statusMessage: string | undefined }
  | { type: 'call.offer'; toUserId: number; media: CallMedia; sdp: string; clientId: string | null }
  | { type: 'call.answer'; callId: string; sdp: string }
  | { type: 'call.ice'; callId: string; candidate: IceCandidate }
  | { type: 'call.end'; callId: string }
  /** An invitation the server relays to the callee without keeping a call (chat8). */
  | { type: 'call.invite'; toUserId: number; media: CallMedia; callId: string | null }
  /** A send, already in the message service's terms; the core validates it as it does any send. */
  | { type: 'message.send'; conversationId: number; input: SendInput };

/** What a command other than a send or ping did, for a document that answers it. */
export type CommandOutcome =
  | { type: 'typing'; userId: number; conversationId: number; isTyping: boolean; at: number }
  | { type: 'status'; user: User; at: number }
  | { type: 'read'; userId: number; conversationId: number; messageId: number; at: number };

/** Which client frame an error answers, so the client can match it. */
export interface FrameRef {
  /** The client frame's type, as the client wrote it. */
  type?: string;
  clientId?: string;
  callId?: string;
  /** A request id the client gave its frame, where the document has one. */
  requestId?: string;
}

export type Decoded = { ok: true; command: ClientCommand; ref: FrameRef } | { ok: false; error: AppError; ref: FrameRef };

/** The connection a command came from. */
export interface Sender {
  userId: number;
  sessionId: string;
  connectionId: string;
}

export interface ConnectInfo {
  userId: number;
  connectionId: string;
  /** The newest event seq when the connection opened. */
  latestSeq: number;
  heartbeatMs: number;
  at: number;
}

export interface ResumeOutcome {
  since: number;
  /** The seq the client is now caught up to. */
  seq: number;
  /** How many frames were replayed. */
  count: number;
  at: number;
}

export interface RefetchNotice {
  /** `expired`: events after `since` are past retention; `unknown_seq`: `since` is ahead of the log. */
  reason: 'expired' | 'unknown_seq';
  since: number;
  /** Resume from here after refetching. */
  seq: number;
  at: number;
}

/** Who is upgrading, and what their URL says, for a profile's own checks before the handshake. */
export interface UpgradeRequest {
  userId: number;
  sessionId: string;
  /** The device the token's session was opened for ('' when its login named none). */
  deviceId: string;
  /** Parameters of the socket path (`/ws/{user_id}` → user_id). */
  params: Record<string, string>;
  query: URLSearchParams;
}

/**
 * One profile's WebSocket dialect. Frames are encoded once per event and profile, then the same
 * bytes go to every connection of that profile, so `event` and `signal` must not depend on who
 * receives them. An event or signal becomes zero or more frames.
 */
export interface ProfileCodec {
  readonly name: string;
  /** The first frame of a connection, for documents that have one. */
  connect(info: ConnectInfo): string | null;
  event(event: DomainEvent): readonly string[];
  /**
   * Whether the user is shown the event at all, where a document keeps some receivers from it
   * (chat8 tells a new message to its receiver, not to its sender); absent: everyone in its audience.
   */
  shows?(event: DomainEvent, userId: number): boolean;
  signal(signal: AnySignal): readonly string[];
  decode(text: string): Decoded;
  pong(echo: unknown, at: number, ref?: FrameRef): string;
  error(err: AppError, ref: FrameRef): string;
  resumed(outcome: ResumeOutcome): string | null;
  refetch(notice: RefetchNotice): string;
  /** The answer to `message.send`, on the sending connection only (null: the document has none for this frame). */
  ack(result: SendResult, ref: FrameRef): string | null;
  /**
   * The answer to another command that succeeded, on its connection only, for documents that
   * answer every frame carrying a request id (null: no answer).
   */
  done?(outcome: CommandOutcome, ref: FrameRef): string | null;
  /** How a refused upgrade is answered (before any WebSocket exists): HTTP status and JSON body. */
  refusal(err: AppError): { status: number; body: string };
}

/** A socket endpoint: its path (with any `{param}`), the profile's upgrade check and its codec. */
export interface SocketEndpoint {
  /** Full path, mount included, e.g. `/ws` or `/ws/{user_id}`. */
  path: string;
  /** Throws an AppError to refuse the upgrade (e.g. a path user id that is not the caller's). */
  authorizeUpgrade?(this: void, upgrade: UpgradeRequest): void;
  /** The codec for clients whose base is unknown: file links in its frames are root-relative or from PUBLIC_URL. */
  codec: ProfileCodec;
  /**
   * Without PUBLIC_URL: the codec whose frames link files under the scheme and host the client
   * connected with (`http://host:port`), as REST answers do. Connections sharing a base share a
   * codec, so each frame is still encoded once per base.
   */
  codecAt?(this: void, base: string): ProfileCodec;
}
