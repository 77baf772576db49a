/**
 * What a test's socket client received and has not taken yet, and the takers waiting for a frame:
 * a frame goes to the first waiter it matches, else it is queued for a later `take`.
 */
export class FrameQueue<F> {
  private queued: F[] = [];
  private waiters: { match: (f: F) => boolean; resolve: (f: F) => void }[] = [];

  push(frame: F): void {
    const i = this.waiters.findIndex((w) => w.match(frame));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
    else this.queued.push(frame);
  }

  /** The first queued (or next arriving) frame that matches; `what` names it in the timeout error. */
  take(match: (f: F) => boolean, timeoutMs: number, what: string): Promise<F> {
    const i = this.queued.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queued.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: F) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${what} frame within ${timeoutMs}ms; queued: ${JSON.stringify(this.queued)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Removes the queued frames `pick` selects (all when absent) and returns them. */
  remove(pick: (f: F) => boolean = () => true): F[] {
    const out = this.queued.filter(pick);
    this.queued = this.queued.filter((f) => !pick(f));
    return out;
  }

  /** The queued frames `pick` selects, left in the queue. */
  peek(pick: (f: F) => boolean): F[] {
    return this.queued.filter(pick);
  }
}
