import assert from 'node:assert/strict';
import type { Api } from './api.ts';
import type { TestUser } from './users.ts';
import { WsClient, type Frame } from './ws.ts';


/**
 * A client that keeps up the way a real one does: when its connection drops, it reconnects (to
 * whichever node `pick` names) with `since` = the last seq it saw, so every event reaches it
 * exactly once across connections.
 */
export class ResumingClient {
  /** Every connection so far, oldest first; each keeps all the frames it received. */
  private readonly connections: WsClient[] = [];
  /** Reconnections that failed (asserted by the test, not thrown inside a socket handler). */
  private readonly failures: string[] = [];
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

  /** Durable frames of every connection, in arrival order. */
  private frames(): Frame[] {
    return this.connections.flatMap((ws) => ws.received.filter((f) => f.seq !== undefined));
  }

  /** message.new frames of every connection, in arrival order. */
  get messages(): Frame[] {
    return this.frames().filter((f) => f.type === 'message.new');
  }

  /** Frames that broke the seq order across connections, and failed reconnections. */
  get disorder(): string[] {
    const out = [...this.failures];
    let last = this.connections[0]?.hello.data.seq as number;
    for (const f of this.frames()) {
      if (f.seq! <= last) out.push(`${f.type} seq ${f.seq} after ${last}`);
      last = Math.max(last, f.seq!);
    }
    return out;
  }

  /** The ids of the messages received, with repeats if any arrived twice. */
  ids(): number[] {
    return this.messages.map((f) => f.data.id as number);
  }

  private lastSeq(): number {
    return this.frames().at(-1)?.seq ?? (this.connections[0]?.hello.data.seq as number);
  }

  private async open(): Promise<void> {
    const since = this.connections.length === 0 ? undefined : this.lastSeq();
    let ws: WsClient;
    for (let attempt = 0; ; attempt++) {
      try {
        ws = await WsClient.connect(this.pick(), this.user.token, since !== undefined ? { since } : {});
        break;
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.connections.push(ws);
    void ws.closed.then(() => {
      if (this.stopped) return;
      this.reconnects++;
      this.open().catch((err: unknown) => this.failures.push(`could not reconnect: ${(err as Error).message}`));
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.connections.at(-1)?.close();
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
