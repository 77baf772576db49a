import type WebSocket from 'ws';
import { now } from '../lib/clock.ts';
import { scanFrame, stampedContent } from '../lib/frames.ts';
import { HttpClient } from '../lib/http.ts';
import { addLoss, clientId, noLoss, parseClientId, Receipts, type LossReport, type SenderLedger } from '../lib/ledger.ts';
import { ErrorLog } from '../lib/errors.ts';
import { Histogram, type HistogramJSON } from '../lib/stats.ts';
import { openSockets, quiet, type OpenReport, type SocketSpec } from './sockets.ts';

/**
 * The messaging load of `pairs` and `group` in one generator process: WebSocket receivers that
 * count `message.new` per sender stream and seq, and senders that post through REST or send
 * `message.send` frames, closed loop (a window of sends in flight per sender) or at a fixed rate
 * (open loop: sends go out on schedule whatever is in flight, and latency counts from the
 * scheduled time, so a slow server cannot hide its queueing).
 */

export interface ChatConn extends SocketSpec {
  /** Sender streams whose every acknowledged message this connection must receive once. */
  owedBy: number[];
}

export interface ChatSender {
  sender: number;
  chatId: number;
  url: string;
  token: string;
  /** For WebSocket sends: the index (in this process's `conns`) of the sender's own socket. */
  conn: number;
}

export interface ChatSetup {
  tag: string;
  transport: 'ws' | 'rest';
  /** Content bytes per message. */
  size: number;
  /** Closed loop: sends in flight per sender. */
  window: number;
  /** Open loop: messages per second over this process's senders (0: closed loop). */
  rate: number;
  localAddresses: string[];
  connectConcurrency: number;
  conns: ChatConn[];
  senders: ChatSender[];
  /** Keep, per message, the latest arrival over its recipients (fan-out completion). */
  completion: boolean;
}

export interface RunWindow {
  /** Monotonic ms (see clock.ts) shared by all processes. */
  start: number;
  measureFrom: number;
  measureTo: number;
  /** No send starts at or after this. */
  stopAt: number;
  /** How long to wait for the answers to sends still in flight at stopAt. */
  answerTimeoutMs: number;
}

export interface RunReport {
  ledgers: [number, SenderLedger][];
  /** Sends started in the measured window. */
  startedInWindow: number;
  /** Sends acknowledged in the measured window. */
  ackedInWindow: number;
  sent: number;
  acked: number;
  errors: number;
  unanswered: number;
  errorSamples: string[];
  /**
   * Send → acknowledgement (HTTP response or message.ack), for sends stamped in the window; an
   * unanswered send counts with the time waited for it (so percentiles are then lower bounds).
   */
  ack: HistogramJSON;
  /** Open loop: how late the generator issued sends behind their schedule. */
  lag: HistogramJSON;
}

export interface SettleReport {
  loss: LossReport;
  /** First arrivals whose arrival fell in the measured window. */
  deliveredInWindow: number;
  arrivals: number;
  /** Send → message.new, each recipient, for messages stamped in the window. */
  delivery: HistogramJSON;
  /** Per sender stream, per seq: latest arrival over this process's recipients (-1: none in window). */
  completion: [number, number[]][];
  closes: Record<string, number>;
  settledMs: number;
  complete: boolean;
}

interface SenderState {
  spec: ChatSender;
  seq: number;
  inflight: number;
  failed: number[];
  /** Open loop: when the next send is due. */
  due: number;
  interval: number;
}

interface InFlight {
  state: SenderState;
  seq: number;
  stamp: number;
}

export class ChatJob {
  private sockets: (WebSocket | undefined)[] = [];
  private receipts: Receipts[] = [];
  private readonly senders: SenderState[];
  private readonly inflight = new Map<string, InFlight>();
  private readonly http: HttpClient;
  private readonly deliveries = new Histogram();
  private readonly acks = new Histogram();
  private readonly lag = new Histogram();
  private readonly completion = new Map<number, Float64Array>();
  private readonly closes: Record<string, number> = {};
  private win: RunWindow = { start: Infinity, measureFrom: Infinity, measureTo: -Infinity, stopAt: -Infinity, answerTimeoutMs: 0 };
  private lastFrameAt = now();
  private deliveredInWindow = 0;
  private arrivals = 0;
  private sent = 0;
  private acked = 0;
  private startedInWindow = 0;
  private ackedInWindow = 0;
  private readonly errors = new ErrorLog();
  private drained: (() => void) | undefined;
  /** Set at stopAt: nothing more is sent. */
  private stopped = false;

  constructor(private readonly setup: ChatSetup) {
    this.senders = setup.senders.map((spec) => ({ spec, seq: 0, inflight: 0, failed: [], due: Infinity, interval: Infinity }));
    const sockets = setup.transport === 'rest' ? setup.senders.length * setup.window : 64;
    this.http = new HttpClient({ localAddress: setup.localAddresses[0], maxSockets: Math.max(16, Math.min(4096, sockets)) });
  }

  async open(): Promise<OpenReport> {
    this.receipts = this.setup.conns.map(() => new Receipts());
    const { sockets, report } = await openSockets(this.setup.conns, {
      localAddresses: this.setup.localAddresses,
      concurrency: this.setup.connectConcurrency,
      onFrame: (i, data) => this.onFrame(i, data),
      onClose: (_i, code) => {
        this.closes[code] = (this.closes[code] ?? 0) + 1;
      },
    });
    this.sockets = sockets;
    return report;
  }

  /** Waits for the presence frames a connection storm causes to stop. */
  quiet(arg: { quietMs: number; maxMs: number }) {
    return quiet(() => this.lastFrameAt, arg.quietMs, arg.maxMs);
  }

  async run(win: RunWindow): Promise<RunReport> {
    this.win = win;
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    const wait = win.start - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.setup.rate > 0) this.openLoop();
    else for (const s of this.senders) this.pump(s);
    // Timers run on the event loop's millisecond clock and may fire up to a millisecond early:
    // wait on the monotonic clock, then stop, so no send can start after the ledger is taken.
    while (now() < win.stopAt) await new Promise((r) => setTimeout(r, Math.max(1, win.stopAt - now())));
    this.stopped = true;
    if (this.inflight.size > 0) {
      const timer = setTimeout(() => this.drained?.(), win.answerTimeoutMs);
      await drained;
      clearTimeout(timer);
    }
    // Sends still unanswered count as failed (a later delivery of one is "unexpected"), and their
    // latency as at least the time waited: leaving them out would flatter an overloaded server.
    let unanswered = 0;
    const gaveUp = now();
    for (const f of this.inflight.values()) {
      f.state.failed.push(f.seq);
      unanswered++;
      if (f.stamp >= this.win.measureFrom && f.stamp < this.win.measureTo) this.acks.record(gaveUp - f.stamp);
    }
    this.inflight.clear();
    return {
      ledgers: this.senders.map((s) => [s.spec.sender, { sent: s.seq, failed: s.failed }]),
      startedInWindow: this.startedInWindow,
      ackedInWindow: this.ackedInWindow,
      sent: this.sent,
      acked: this.acked,
      errors: this.errors.count,
      unanswered,
      errorSamples: this.errors.samples,
      ack: this.acks.toJSON(),
      lag: this.lag.toJSON(),
    };
  }

  /** Waits until every connection holds what it is owed (or the deadline), then accounts. */
  async settle(arg: { ledgers: [number, SenderLedger][]; timeoutMs: number }): Promise<SettleReport> {
    const ledgers = new Map(arg.ledgers);
    const start = now();
    const owedCount = this.setup.conns.map((c) => c.owedBy.reduce((n, s) => n + (ledgers.get(s)?.sent ?? 0) - (ledgers.get(s)?.failed.length ?? 0), 0));
    const account = () => {
      const total = noLoss();
      for (let i = 0; i < this.receipts.length; i++) addLoss(total, this.receipts[i]!.account(this.setup.conns[i]!.owedBy, ledgers));
      return total;
    };
    let complete = false;
    while (!complete && now() - start < arg.timeoutMs) {
      // Cheap test first: enough first arrivals everywhere; then the exact accounting.
      if (this.receipts.every((r, i) => r.firsts >= owedCount[i]!)) complete = account().missing === 0;
      if (!complete) await new Promise((r) => setTimeout(r, 50));
    }
    // A short grace, so that duplicates arriving just after the last owed frame are seen too.
    await new Promise((r) => setTimeout(r, 200));
    const loss = account();
    return {
      loss,
      deliveredInWindow: this.deliveredInWindow,
      arrivals: this.arrivals,
      delivery: this.deliveries.toJSON(),
      completion: [...this.completion].map(([s, a]) => [s, Array.from(a, (v) => (v > 0 ? Math.round(v * 1000) / 1000 : -1))]),
      closes: this.closes,
      settledMs: now() - start,
      complete,
    };
  }

  close(): void {
    for (const ws of this.sockets) ws?.terminate();
    this.http.close();
  }

  private onFrame(i: number, data: Buffer): void {
    const t = now();
    this.lastFrameAt = t;
    const f = scanFrame(data);
    switch (f.kind) {
      case 'new': {
        const id = f.clientId === undefined ? undefined : parseClientId(this.setup.tag, f.clientId);
        if (!id) return;
        this.arrivals++;
        if (!this.receipts[i]!.record(id.sender, id.seq)) return;
        if (t >= this.win.measureFrom && t < this.win.measureTo) this.deliveredInWindow++;
        if (f.stamp >= this.win.measureFrom && f.stamp < this.win.measureTo) {
          const latency = t - f.stamp;
          this.deliveries.record(latency);
          if (this.setup.completion) this.noteCompletion(id.sender, id.seq, latency);
        }
        return;
      }
      case 'ack':
        if (f.clientId !== undefined) this.answered(f.clientId, undefined);
        return;
      case 'error':
        if (f.clientId !== undefined) this.answered(f.clientId, data.toString('utf8'));
        else this.errors.note(`error frame: ${data.toString('utf8').slice(0, 300)}`);
        return;
      default:
    }
  }

  private noteCompletion(sender: number, seq: number, latency: number): void {
    let a = this.completion.get(sender);
    if (!a || seq >= a.length) {
      const grown = new Float64Array(Math.max(64, 2 ** Math.ceil(Math.log2(seq + 1))));
      if (a) grown.set(a);
      this.completion.set(sender, (a = grown));
    }
    // Zero means "none": a real latency of exactly 0 cannot happen across a socket.
    if (latency > a[seq]!) a[seq] = latency;
  }

  /** The answer to a send: an acknowledgement (`error` undefined) or a refusal. */
  private answered(id: string, error: string | undefined): void {
    const f = this.inflight.get(id);
    if (!f) return;
    this.inflight.delete(id);
    const t = now();
    f.state.inflight--;
    if (error === undefined) {
      this.acked++;
      if (t >= this.win.measureFrom && t < this.win.measureTo) this.ackedInWindow++;
      if (f.stamp >= this.win.measureFrom && f.stamp < this.win.measureTo) this.acks.record(t - f.stamp);
    } else {
      f.state.failed.push(f.seq);
      this.errors.note(error);
    }
    if (this.setup.rate === 0) this.pump(f.state);
    if (this.inflight.size === 0 && now() >= this.win.stopAt) this.drained?.();
  }

  /** Closed loop: keeps `window` sends of this sender in flight until stopAt. */
  private pump(s: SenderState): void {
    while (s.inflight < this.setup.window) {
      const t = now();
      if (this.stopped || t >= this.win.stopAt) return;
      this.send(s, t);
    }
  }

  /** Open loop: every sender sends at rate/senders per second, evenly staggered. */
  private openLoop(): void {
    const n = this.senders.length;
    if (n === 0) return;
    const interval = (1000 * n) / this.setup.rate;
    this.senders.forEach((s, k) => {
      s.interval = interval;
      s.due = this.win.start + (k * interval) / n;
    });
    const tick = () => {
      if (this.stopped) return;
      const t = now();
      let pending = false;
      for (const s of this.senders) {
        while (s.due <= t && s.due < this.win.stopAt) {
          this.lag.record(t - s.due);
          this.send(s, s.due);
          s.due += s.interval;
        }
        if (s.due < this.win.stopAt) pending = true;
      }
      if (pending) setTimeout(tick, 1);
    };
    tick();
  }

  private send(s: SenderState, stamp: number): void {
    const seq = s.seq++;
    const id = clientId(this.setup.tag, s.spec.sender, seq);
    s.inflight++;
    this.sent++;
    if (stamp >= this.win.measureFrom && stamp < this.win.measureTo) this.startedInWindow++;
    this.inflight.set(id, { state: s, seq, stamp });
    const content = stampedContent(stamp, this.setup.size);
    if (this.setup.transport === 'ws') {
      const ws = this.sockets[s.spec.conn];
      if (!ws || ws.readyState !== ws.OPEN) {
        // The sender stalls (its window stays full) rather than spinning on a dead socket.
        this.inflight.delete(id);
        s.failed.push(seq);
        this.errors.note('the sender socket is not open');
        return;
      }
      ws.send(`{"type":"message.send","data":{"chat_id":${s.spec.chatId},"client_id":"${id}","content":"${content}"}}`);
      return;
    }
    this.http.request('POST', `${s.spec.url}/api/chats/${s.spec.chatId}/messages`, { content, client_id: id }, s.spec.token).then(
      (res) => this.answered(id, res.status === 200 ? undefined : `HTTP ${res.status} ${res.text}`),
      (err: Error) => this.answered(id, `request failed: ${err.message}`),
    );
  }
}
