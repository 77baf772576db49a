import type { Logger } from '../logger.ts';
import { SerialRuns } from './serial-runs.ts';

export interface TextCopierOptions {
  /** How often to look for messages to copy. */
  intervalMs: number;
  /** Most message ids per transaction, so that none holds the SQLite file for long. */
  chunk: number;
}

/**
 * Moves new messages' text into SQLite's `message_text` (migration 0014) in bulk: every
 * `intervalMs`, in transactions of `chunk` ids, until it is up to date. Searches read what it has
 * not copied yet from `messages`, so a late or failed cycle changes no answer, only its speed.
 * Cycles never overlap; `stop()` waits for the running one.
 */
export class TextCopier {
  private poll: NodeJS.Timeout | undefined;
  private readonly runs = new SerialRuns(() => this.cycle());
  private stopped = false;

  constructor(
    /** Copies up to `limit` ids in one transaction; resolves to how many it covered. */
    private readonly copy: (limit: number) => Promise<number>,
    private readonly logger: Logger,
    private readonly options: TextCopierOptions,
  ) {}

  start(): void {
    if (this.poll || this.stopped) return;
    this.poll = setInterval(() => void this.runNow(), this.options.intervalMs);
    this.poll.unref();
  }

  /** A cycle that starts after this call (after the one in progress); resolves when it is done. */
  runNow(): Promise<void> {
    return this.runs.request();
  }

  private async cycle(): Promise<void> {
    try {
      while (!this.stopped && (await this.copy(this.options.chunk)) === this.options.chunk);
    } catch (err) {
      this.logger.error({ err }, 'copying new messages for search failed; the next cycle retries');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.runs.settled();
  }
}
