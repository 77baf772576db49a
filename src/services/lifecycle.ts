/** A part of the core that holds something between start and stop: connections, timers, a place in the cluster. */
export interface Component {
  /** Names the component in logs. */
  name: string;
  start?: () => Promise<void> | void;
  stop?: () => Promise<void> | void;
}

/**
 * Starts and stops the core's components. They are added in dependency order (each after what
 * it uses), started in that order and stopped in the reverse one, so nothing is stopped while
 * something that uses it still runs. Wiring dependencies go through constructors; this only
 * orders what each component does when the process starts and ends.
 */
export class Lifecycle {
  private readonly waiting: Component[] = [];
  /** Started (or without a start), in start order. */
  private readonly running: Component[] = [];

  /** `onStopError` hears each failed stop; stopping goes on with the others. */
  constructor(private readonly onStopError: (err: unknown, component: string) => void = () => undefined) {}

  add(component: Component): void {
    this.waiting.push(component);
  }

  /**
   * Starts the components added since the last start, in order. When one fails, it is stopped
   * too (it may have half started), then everything started before it, in reverse; the start's
   * error is rethrown, so a process that cannot start holds nothing open.
   */
  async start(): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      try {
        await next.start?.();
      } catch (err) {
        this.waiting.length = 0;
        await this.stopOne(next).catch(() => undefined);
        await this.stop().catch(() => undefined);
        throw err;
      }
      this.running.push(next);
    }
  }

  /** Stops every running component in reverse start order, each once, even when one fails; then rethrows the first failure. */
  async stop(): Promise<void> {
    let first: { err: unknown } | undefined;
    for (let last = this.running.pop(); last; last = this.running.pop()) {
      try {
        await this.stopOne(last);
      } catch (err) {
        first ??= { err };
      }
    }
    if (first) throw first.err;
  }

  private async stopOne(component: Component): Promise<void> {
    try {
      await component.stop?.();
    } catch (err) {
      this.onStopError(err, component.name);
      throw err;
    }
  }
}
