/** One minute's reading: the most connections open at once when sampled in that minute. */
export interface ConnectionSample {
  at: number;
  count: number;
}

const MINUTE_MS = 60_000;

/**
 * The open WebSocket connections of this node, minute by minute over the last week (as far back
 * as the series may ask: 168 hours): what the admin console draws. Kept in memory, since the
 * count lives only in the running gateway; a restart starts the history afresh. Each minute keeps
 * its highest reading.
 */
export class ConnectionHistory {
  private readonly samples: ConnectionSample[] = [];

  constructor(private readonly keepMs = 7 * 86_400_000) {}

  record(count: number, at: number): void {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const last = this.samples.at(-1);
    if (last && last.at === minute) last.count = Math.max(last.count, count);
    else if (!last || minute > last.at) this.samples.push({ at: minute, count });
    while (this.samples.length > 0 && this.samples[0]!.at <= at - this.keepMs) this.samples.shift();
  }

  since(from: number): ConnectionSample[] {
    return this.samples.filter((s) => s.at >= from).map((s) => ({ ...s }));
  }
}
