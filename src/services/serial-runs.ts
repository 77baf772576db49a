/**
 * Runs of one task that never overlap: asked while a run is in progress, it runs once more after
 * that one, and the requests made meanwhile share that next run.
 */
export class SerialRuns {
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly task: () => Promise<void>) {}

  /** A run that starts after this call; resolves when it is done. */
  request(): Promise<void> {
    if (this.queued) return this.chain;
    this.queued = true;
    // A failed run is its caller's to hear; the next one runs all the same.
    this.chain = this.chain.catch(() => undefined).then(() => {
      this.queued = false;
      return this.task();
    });
    return this.chain;
  }

  /** Resolves once the runs asked for so far are done, however they ended. */
  settled(): Promise<void> {
    return this.chain.catch(() => undefined);
  }
}
