/**
 * Loss accounting. Every bench message carries a client_id naming its sender stream and a
 * sequence number (`<tag>.<sender>.<seq>`, see `clientId`), and a sender's seqs are 0, 1, 2, …
 * So one recipient's receipts are, per sender stream, a count per seq; after the run the senders'
 * ledgers (how many seqs each sent, which were not acknowledged) say what every recipient should
 * have received exactly once.
 */

/** What one sender stream did: seqs 0..sent-1 went out; `failed` were refused or never answered. */
export interface SenderLedger {
  sent: number;
  failed: number[];
}

export interface LossReport {
  /** Deliveries owed: acknowledged messages × the recipients that should see them. */
  expected: number;
  /** Owed deliveries that arrived (once or more). */
  delivered: number;
  /** Owed deliveries that never arrived. */
  missing: number;
  /** Arrivals beyond the first of one message at one recipient. */
  duplicated: number;
  /**
   * Arrivals nobody owed: of a send that failed (it may have committed before failing), of a seq
   * never sent, or from a stream the recipient is not in (which would be a leak).
   */
  unexpected: number;
  /** Recipients with at least one missing or duplicated delivery. */
  recipientsWithLoss: number;
}

export const noLoss = (): LossReport => ({ expected: 0, delivered: 0, missing: 0, duplicated: 0, unexpected: 0, recipientsWithLoss: 0 });

export function addLoss(into: LossReport, r: LossReport): LossReport {
  into.expected += r.expected;
  into.delivered += r.delivered;
  into.missing += r.missing;
  into.duplicated += r.duplicated;
  into.unexpected += r.unexpected;
  into.recipientsWithLoss += r.recipientsWithLoss;
  return into;
}

/** A bench client_id; the tag keeps one run's messages apart from anything else on the server. */
export function clientId(tag: string, sender: number, seq: number): string {
  return `${tag}.${sender}.${seq}`;
}

/** Sender and seq of a bench client_id of this run's tag, or undefined for anything else. */
export function parseClientId(tag: string, id: string): { sender: number; seq: number } | undefined {
  if (!id.startsWith(tag) || id.charCodeAt(tag.length) !== 46 /* . */) return undefined;
  const dot = id.indexOf('.', tag.length + 1);
  if (dot < 0) return undefined;
  const sender = Number(id.slice(tag.length + 1, dot));
  const seq = Number(id.slice(dot + 1));
  return Number.isInteger(sender) && Number.isInteger(seq) && sender >= 0 && seq >= 0 ? { sender, seq } : undefined;
}

/** What one recipient (one connection) received: per sender stream, arrivals per seq. */
export class Receipts {
  private readonly streams = new Map<number, Uint8Array>();
  /** First arrivals (distinct messages). */
  firsts = 0;
  /** All arrivals. */
  total = 0;

  /** Counts an arrival; true when it is the first of that message. */
  record(sender: number, seq: number): boolean {
    let counts = this.streams.get(sender);
    if (!counts || seq >= counts.length) {
      const grown = new Uint8Array(Math.max(64, 2 ** Math.ceil(Math.log2(seq + 1))));
      if (counts) grown.set(counts);
      this.streams.set(sender, (counts = grown));
    }
    this.total++;
    // Saturates at 255: enough to know a message was duplicated.
    if (counts[seq]! < 255) counts[seq]!++;
    if (counts[seq] === 1) {
      this.firsts++;
      return true;
    }
    return false;
  }

  count(sender: number, seq: number): number {
    return this.streams.get(sender)?.[seq] ?? 0;
  }

  /**
   * Compares the arrivals with what was owed: every seq the `owedBy` senders sent and had
   * acknowledged, exactly once.
   */
  account(owedBy: Iterable<number>, ledgers: ReadonlyMap<number, SenderLedger>): LossReport {
    const r = noLoss();
    const owed = new Set(owedBy);
    for (const sender of owed) {
      const ledger = ledgers.get(sender) ?? { sent: 0, failed: [] };
      const failed = new Set(ledger.failed);
      const counts = this.streams.get(sender);
      for (let seq = 0; seq < ledger.sent; seq++) {
        const c = counts?.[seq] ?? 0;
        if (failed.has(seq)) {
          r.unexpected += c;
          continue;
        }
        r.expected++;
        if (c === 0) r.missing++;
        else {
          r.delivered++;
          r.duplicated += c - 1;
        }
      }
      if (counts) for (let seq = ledger.sent; seq < counts.length; seq++) r.unexpected += counts[seq]!;
    }
    for (const [sender, counts] of this.streams) {
      if (!owed.has(sender)) for (const c of counts) r.unexpected += c;
    }
    r.recipientsWithLoss = r.missing + r.duplicated > 0 ? 1 : 0;
    return r;
  }
}
