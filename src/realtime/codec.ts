import type { AppError } from '../domain/errors.ts';
import type { AnySignal, DomainEvent, IceCandidate } from '../domain/events.ts';
import type { CallMedia, Message, UserStatus, UserSummary } from '../domain/types.ts';

/**
 * A client frame, decoded by a profile into the core's terms. Every profile maps its own frame
 * names and fields onto these; the gateway acts on them without knowing any document.
 */
export type ClientCommand =
  | { type: 'ping'; echo: unknown }
  | { type: 'resume'; since: number }
  | { type: 'typing'; conversationId: number; isTyping: boolean }
  | { type: 'status'; status: UserStatus | undefined; statusMessage: string | undefined }
  | { type: 'call.offer'; toUserId: number; media: CallMedia; sdp: string; clientId: string | null }
  | { type: 'call.answer'; callId: string; sdp: string }
  | { type: 'call.ice'; callId: string; candidate: IceCandidate }
  | { type: 'call.end'; callId: string }
  | MessageSendCommand;

/**
 * `message.send` over the socket. `fields` are the rest of the frame's data in the profile's own
 * terms (the same fields as its REST send); the profile's `sendMessage` maps and sends them.
 */
export interface MessageSendCommand {
  type: 'message.send';
  clientId: string;
  conversationId: number;
  fields: Record<string, unknown>;
}

/** Which client frame an error answers, so the client can match it. */
export interface FrameRef {
  /** The client frame's type, as the client wrote it. */
  type?: string;
  clientId?: string;
  callId?: string;
}

export type Decoded = { ok: true; command: ClientCommand; ref: FrameRef } | { ok: false; error: AppError; ref: FrameRef };

/** The connection a command came from. */
export interface Sender {
  userId: number;
  sessionId: string;
  connectionId: string;
}

/** A stored message with its sender, as `message.send` returns it. */
export interface SentMessage {
  message: Message;
  sender: UserSummary | null;
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

/**
 * One profile's WebSocket dialect. Frames are encoded once per event and profile, then the same
 * string goes to every connection of that profile, so `event` and `signal` must not depend on who
 * receives them. Encoders return null for what the profile does not show.
 */
export interface ProfileCodec {
  readonly name: string;
  /** The socket's path below the profile's mount, e.g. `/ws`. */
  readonly path: string;
  connect(info: ConnectInfo): string;
  event(event: DomainEvent): string | null;
  signal(signal: AnySignal): string | null;
  decode(text: string): Decoded;
  pong(echo: unknown, at: number): string;
  error(err: AppError, ref: FrameRef): string;
  resumed(outcome: ResumeOutcome): string;
  refetch(notice: RefetchNotice): string;
  /** Handles `message.send` and returns the acknowledgement frame; throws AppError on refusal. */
  sendMessage(from: Sender, command: MessageSendCommand): Promise<string>;
  /** How a refused upgrade is answered (before any WebSocket exists): HTTP status and JSON body. */
  refusal(err: AppError): { status: number; body: string };
}
