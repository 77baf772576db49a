import assert from 'node:assert/strict';
import type { Api } from './api.ts';
import type { TestUser } from './users.ts';
import { WsClient, type Frame } from './ws.ts';

const probe = { path: '/probe/ws' };

/**
 * A client that keeps up with a conversation the way a real one does: it remembers the last seq
 * it saw and, when its connection drops, reconnects (to whichever node `pick` names) with
 * `since`, so every event reaches it exactly once across connections.
 */
export class ResumingClient {
  /** message.created frames of every connection, in arrival order. */
  readonly messages: Frame[] = [];
  /** Frames that broke the seq order (asserted by the test, not thrown inside a socket handler). */
  readonly disorder: string[] = [];
  private lastSeq = 0;
  private ws: WsClient | undefined;
  private stopped = false;
  reconnects = 0;

  private constructor(
    readonly user: TestUser,
    private readonly pick: () => string,
  ) {}

  static async connect(user: TestUser, pick: () => string): Promise<ResumingClient> {
    const c = new ResumingClient(user, pick);
    await c.open();
    return c;
  }

  get current(): WsClient | undefined {
    return this.ws;
  }

  /** The ids of the messages received, with repeats if any arrived twice. */
  ids(): number[] {
    return this.messages.map((f) => f.data.message.id as number);
  }

  private async open(): Promise<void> {
    const since = this.lastSeq === 0 ? undefined : this.lastSeq;
    for (let attempt = 0; ; attempt++) {
      try {
        this.ws = await WsClient.connect(this.pick(), this.user.token, { ...probe, ...(since !== undefined && { since }) });
        break;
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const ws = this.ws;
    if (this.lastSeq === 0) this.lastSeq = ws.hello.data.seq as number;
    ws.ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString('utf8')) as Frame;
      if (f.seq !== undefined) {
        if (f.seq <= this.lastSeq) this.disorder.push(`${f.type} seq ${f.seq} after ${this.lastSeq}`);
        this.lastSeq = Math.max(this.lastSeq, f.seq);
      }
      if (f.type === 'message.created') this.messages.push(f);
    });
    void ws.closed.then(() => {
      if (this.stopped) return;
      this.reconnects++;
      this.open().catch((err: unknown) => this.disorder.push(`could not reconnect: ${(err as Error).message}`));
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.ws?.close();
  }
}

export interface SendOutcome {
  /** Ids of the messages the server acknowledged (200), in acknowledgement order. */
  acked: number[];
  /** Sends that had to be retried on another node (the first one failed or got no answer). */
  retried: number;
}

/**
 * Sends `count` text messages from `user`, `parallel` at a time, each through the next node in
 * turn; a send whose node fails (refused, reset, 503) is retried on another with the same
 * client_id, as a real client would, so a message committed just before its node died is not
 * sent twice.
 */
export async function sendBurst(
  nodes: () => Api[],
  user: TestUser,
  chatId: number,
  count: number,
  opts: { parallel?: number; tag?: string; onAck?: (n: number) => void } = {},
): Promise<SendOutcome> {
  const acked: number[] = [];
  let retried = 0;
  let next = 0;
  let turn = 0;
  const tag = opts.tag ?? `b${Date.now().toString(36)}`;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = { type: 'text', content: `${tag} ${i}`, client_id: `${tag}-${i}` };
      for (let attempt = 0; ; attempt++) {
        const live = nodes();
        const api = live[turn++ % live.length]!;
        try {
          const res = await api.post(`/api/chats/${chatId}/messages`, body, { token: user.token });
          if (res.status === 200) {
            acked.push(res.body.data.id as number);
            opts.onAck?.(acked.length);
            break;
          }
          if (res.status < 500) throw new Error(`send refused: ${res.status} ${res.text}`);
        } catch (err) {
          if ((err as Error).message.startsWith('send refused') || attempt >= 40) throw err;
        }
        retried++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 4 }, worker));
  return { acked, retried };
}

/** Asserts each acknowledged message reached the client exactly once, in seq order, and nothing else. */
export function assertExactlyOnce(client: ResumingClient, acked: number[], who: string): void {
  assert.deepEqual(client.disorder, [], `${who}: frames out of seq order or repeated`);
  const counts = new Map<number, number>();
  for (const id of client.ids()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(repeated, [], `${who}: received some messages twice`);
  const missing = acked.filter((id) => !counts.has(id));
  assert.deepEqual(missing, [], `${who}: acknowledged messages never received`);
  assert.equal(counts.size, new Set(acked).size, `${who}: received messages nobody acknowledged`);
}
