import type { Frame } from './types.ts';

export type LiveState = 'connecting' | 'online' | 'offline';

export interface LiveOptions {
  token: () => string | undefined;
  onFrame: (frame: Frame) => void;
  onState: (state: LiveState) => void;
  /**
   * The socket is (again) in step with the server. `complete` is false when the client must
   * reload what it shows (first connect, or the server could not replay from our `since`).
   */
  onSynced: (complete: boolean) => void;
  /** The session ended (close 4401): do not reconnect. */
  onSessionEnded: () => void;
  /** A connection failed before opening: maybe the token expired; the caller checks with a REST call (which refreshes or signs out). */
  onRefused: () => Promise<void>;
}

/** Closed by the server when the session was logged out or revoked (see the gateway). */
const SESSION_ENDED = 4401;

/**
 * The zhihang WebSocket (`/ws?token=&since=`). Remembers the last durable `seq` and resumes from
 * it after any drop, so the server replays what was missed; reconnects with a capped backoff,
 * at once when the browser says it is online again; pings at the interval the server names and
 * treats a silent socket as dead.
 */
export class LiveSocket {
  private ws: WebSocket | null = null;
  private seq: number | null = null;
  private failures = 0;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private intervalMs = 25_000;

  constructor(private readonly opts: LiveOptions) {}

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.wake);
    window.addEventListener('offline', this.drop);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.wake);
    window.removeEventListener('offline', this.drop);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    this.ws?.close(1000, 'signed out');
    this.ws = null;
  }

  /** Sends a client frame when connected; transient frames (typing) are simply dropped otherwise. */
  send(type: string, data: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type, data }));
    return true;
  }

  private readonly wake = () => {
    this.failures = 0;
    if (!this.ws) {
      clearTimeout(this.reconnectTimer);
      this.connect();
    }
  };

  private readonly drop = () => {
    if (this.ws) this.abandon(this.ws, 'browser offline');
  };

  /** Gives up on a socket at once: a close handshake over a dead network may take minutes to report. */
  private abandon(ws: WebSocket, reason: string): void {
    ws.close(4000, reason);
    this.closed(ws, 4000, true);
  }

  private connect(): void {
    if (this.stopped) return;
    const token = this.opts.token();
    if (!token) {
      // The session is gone (cleared here or in another tab): waiting would hang in "connecting".
      this.opts.onSessionEnded();
      return;
    }
    const params = new URLSearchParams({ token });
    if (this.seq !== null) params.set('since', String(this.seq));
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws?${params}`);
    this.ws = ws;
    this.opts.onState(navigator.onLine ? 'connecting' : 'offline');
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.lastHeard = Date.now();
    };
    ws.onmessage = (e) => {
      this.lastHeard = Date.now();
      let frame: Frame;
      try {
        frame = JSON.parse(String(e.data)) as Frame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    ws.onclose = (e) => this.closed(ws, e.code, opened);
  }

  private closed(ws: WebSocket, code: number, opened: boolean): void {
    if (this.ws !== ws) return;
    this.ws = null;
    clearInterval(this.heartbeat);
    if (this.stopped) return;
    if (code === SESSION_ENDED) return this.opts.onSessionEnded();
    this.opts.onState(navigator.onLine ? 'connecting' : 'offline');
    this.failures += 1;
    if (!navigator.onLine) return; // the online event reconnects
    if (!opened) void this.opts.onRefused().finally(() => this.scheduleReconnect());
    else this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    // Jittered so that a restarted server is not met by every client at the same instant.
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)) * (0.75 + Math.random() * 0.5);
    this.reconnectTimer = setTimeout(() => this.connect(), this.failures <= 1 ? 300 : delay);
  }

  private receive(frame: Frame): void {
    const d = frame.data ?? {};
    switch (frame.type) {
      case 'connect': {
        this.failures = 0;
        if (typeof d.heartbeat_interval === 'number') this.intervalMs = d.heartbeat_interval * 1000;
        this.startHeartbeat();
        this.opts.onState('online');
        if (this.seq === null) {
          this.seq = typeof d.seq === 'number' ? d.seq : 0;
          this.opts.onSynced(false);
        }
        // With since, the replay follows and ends with `resumed` (or `refetch`).
        return;
      }
      case 'resumed':
        if (typeof d.seq === 'number') this.seq = Math.max(this.seq ?? 0, d.seq);
        this.opts.onSynced(true);
        return;
      case 'refetch':
        if (typeof d.seq === 'number') this.seq = d.seq;
        this.opts.onSynced(false);
        return;
      case 'pong':
        return;
      default:
        if (typeof frame.seq === 'number') this.seq = Math.max(this.seq ?? 0, frame.seq);
        this.opts.onFrame(frame);
    }
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      // Two intervals without a word, pong included: the connection is dead though not closed.
      if (Date.now() - this.lastHeard > this.intervalMs * 2.5) {
        if (this.ws) this.abandon(this.ws, 'heartbeat lost');
        return;
      }
      this.send('ping', { timestamp: Date.now() });
    }, this.intervalMs);
  }
}
