import type WebSocket from 'ws';
import { openSockets, type OpenReport, type SocketSpec } from './sockets.ts';

export interface IdleSetup {
  localAddresses: string[];
  connectConcurrency: number;
}

/** Idle connections: open them, answer the server's heartbeats (ws does), and count who drops. */
export class IdleJob {
  private sockets: (WebSocket | undefined)[] = [];
  private readonly closes: Record<string, number> = {};
  private closed = 0;

  constructor(private readonly setup: IdleSetup) {}

  async open(specs: SocketSpec[]): Promise<OpenReport> {
    const { sockets, report } = await openSockets(specs, {
      localAddresses: this.setup.localAddresses,
      concurrency: this.setup.connectConcurrency,
      onFrame: () => undefined,
      onClose: (_i, code) => {
        this.closed++;
        this.closes[code] = (this.closes[code] ?? 0) + 1;
      },
    });
    this.sockets.push(...sockets);
    return report;
  }

  status(): { open: number; closed: number; closes: Record<string, number> } {
    return { open: this.sockets.filter((s) => s !== undefined).length - this.closed, closed: this.closed, closes: this.closes };
  }

  close(): void {
    for (const ws of this.sockets) ws?.terminate();
  }
}
