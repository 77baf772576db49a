import { now } from '../lib/clock.ts';
import { HttpClient } from '../lib/http.ts';
import { ErrorLog } from '../lib/errors.ts';
import { Histogram, type HistogramJSON } from '../lib/stats.ts';

export interface HistoryReader {
  url: string;
  token: string;
  chatId: number;
  /** A message id above every message of the chat: the first page's `before`. */
  top: number;
  /** Messages the chat holds: a whole walk must see exactly these. */
  count: number;
}

export interface HistoryRun {
  readers: HistoryReader[];
  concurrency: number;
  limit: number;
  measureFrom: number;
  measureTo: number;
  localAddress?: string;
}

export interface HistoryReport {
  pages: number;
  pagesInWindow: number;
  walks: number;
  /** Walks that did not see each message of the chat once, newest first. */
  badWalks: number;
  errors: number;
  errorSamples: string[];
  latency: HistogramJSON;
}

/**
 * Scrolls back through chats like a client: the newest page, then `before=<oldest id seen>` page
 * after page to the first message, checking each walk sees every message once in order; then the
 * next chat. Each of `concurrency` workers walks its own chats.
 */
export async function historyRun(r: HistoryRun): Promise<HistoryReport> {
  const http = new HttpClient({ localAddress: r.localAddress, maxSockets: r.concurrency });
  const latency = new Histogram();
  const errors = new ErrorLog();
  let pages = 0;
  let pagesInWindow = 0;
  let walks = 0;
  let badWalks = 0;
  let nextReader = 0;
  const walk = async (reader: HistoryReader) => {
    let before = reader.top;
    let seen = 0;
    let ordered = true;
    for (;;) {
      if (now() >= r.measureTo) return;
      const t0 = now();
      const res = await http.request('GET', `${reader.url}/api/chats/${reader.chatId}/messages?limit=${r.limit}&before=${before}`, undefined, reader.token);
      const t1 = now();
      pages++;
      if (res.status !== 200) return errors.note(`HTTP ${res.status} ${res.text}`);
      if (t0 >= r.measureFrom && t0 < r.measureTo) {
        latency.record(t1 - t0);
        pagesInWindow++;
      }
      const ids = (JSON.parse(res.text) as { data: { messages: { id: number }[] } }).data.messages.map((m) => m.id);
      for (const id of ids) {
        if (id >= before) ordered = false;
        before = id;
      }
      seen += ids.length;
      if (ids.length < r.limit) break;
    }
    walks++;
    if (!ordered || seen !== reader.count) {
      badWalks++;
      errors.samples.push(`chat ${reader.chatId}: saw ${seen} of ${reader.count} messages${ordered ? '' : ', out of order'}`);
    }
  };
  await Promise.all(
    Array.from({ length: r.concurrency }, async () => {
      while (now() < r.measureTo) await walk(r.readers[nextReader++ % r.readers.length]!);
    }),
  );
  http.close();
  return { pages, pagesInWindow, walks, badWalks, errors: errors.count, errorSamples: errors.samples.slice(0, 5), latency: latency.toJSON() };
}
