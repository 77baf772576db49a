import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

interface Unit {
  fn: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

// Three of these run with every transaction: compiled once.
const SAVEPOINT = CompiledQuery.raw('savepoint unit');
const RELEASE = CompiledQuery.raw('release unit');
const ROLLBACK_TO = CompiledQuery.raw('rollback to unit');

export interface GroupCommitOptions {
  /** Most transactions sharing one commit. */
  maxUnits?: number;
  /** After this long, a batch stops taking new transactions and commits, so waiting reads get in. */
  maxMillis?: number;
  /** Told each batch's size once it ended (metrics). */
  onBatch?: (units: number) => void;
  /**
   * Work done once per batch, after its transactions and before its COMMIT (the search index).
   * It runs in a savepoint of its own: if it fails, the batch still commits without it, and
   * `onBeforeCommitError` is told.
   */
  beforeCommit?: (trx: Transaction<Database>) => Promise<unknown>;
  onBeforeCommitError?: (err: unknown) => void;
}

/**
 * Group commit for SQLite: transactions that queue up while one is running share a single
 * BEGIN…COMMIT, and so a single WAL fsync, instead of paying one each. SQLite has one writer and
 * better-sqlite3 one connection, so these transactions ran one after another anyway; batching them
 * changes only how often the disk is flushed.
 *
 * Each transaction still stands alone: it runs inside its own savepoint, and a failure rolls back
 * that savepoint only. None is answered before the batch's COMMIT has returned, so a caller that
 * hears "done" holds a durable change, exactly as with a transaction of its own. If the COMMIT
 * itself fails, every transaction of the batch fails.
 */
export class GroupCommit {
  private readonly queue: Unit[] = [];
  private running = false;
  /** Commits attempted and transactions that took part, for tests and diagnostics. */
  readonly stats = { batches: 0, units: 0 };
  private readonly maxUnits: number;
  private readonly maxMillis: number;
  private readonly onBatch: ((units: number) => void) | undefined;
  private readonly beforeCommit: GroupCommitOptions['beforeCommit'];
  private readonly onBeforeCommitError: (err: unknown) => void;

  constructor(
    private readonly db: Kysely<Database>,
    options: GroupCommitOptions = {},
  ) {
    this.maxUnits = options.maxUnits ?? 200;
    this.maxMillis = options.maxMillis ?? 20;
    this.onBatch = options.onBatch;
    this.beforeCommit = options.beforeCommit;
    this.onBeforeCommitError = options.onBeforeCommitError ?? (() => undefined);
  }

  run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        // Not at once: the requests that arrived in this turn of the event loop are still reading
        // (membership, idempotency checks) on the one connection. Started from the check phase,
        // the batch finds all of them queued and commits them together.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.batch();
    } finally {
      this.running = false;
    }
  }

  private async batch(): Promise<void> {
    const done: Array<{ unit: Unit; value: unknown }> = [];
    let current: Unit | undefined;
    const unitsBefore = this.stats.units;
    this.stats.batches++;
    try {
      await this.db.transaction().execute(async (trx) => {
        const deadline = performance.now() + this.maxMillis;
        while (this.queue.length > 0 && done.length < this.maxUnits && performance.now() < deadline) {
          const unit = (current = this.queue.shift()!);
          this.stats.units++;
          await trx.executeQuery(SAVEPOINT);
          let value: unknown;
          try {
            value = await unit.fn(trx);
          } catch (err) {
            // If SQLite already abandoned the whole transaction (I/O error, full disk), this throws
            // and the batch fails as one; otherwise only this unit is undone.
            await trx.executeQuery(ROLLBACK_TO);
            await trx.executeQuery(RELEASE);
            unit.reject(err);
            continue;
          }
          await trx.executeQuery(RELEASE);
          done.push({ unit, value });
        }
        if (this.beforeCommit && done.length > 0) await this.runBeforeCommit(trx);
      });
    } catch (err) {
      // Settling a settled promise does nothing, so the current unit may be among those rejected.
      for (const { unit } of done) unit.reject(err);
      // A batch that failed before taking a unit (BEGIN refused) fails the oldest, so a broken
      // database ends in errors instead of a loop.
      (current ?? this.queue.shift())?.reject(err);
      return;
    } finally {
      this.onBatch?.(this.stats.units - unitsBefore);
    }
    for (const { unit, value } of done) unit.resolve(value);
  }

  private async runBeforeCommit(trx: Transaction<Database>): Promise<void> {
    await trx.executeQuery(SAVEPOINT);
    try {
      await this.beforeCommit!(trx);
    } catch (err) {
      await trx.executeQuery(ROLLBACK_TO);
      this.onBeforeCommitError(err);
    }
    await trx.executeQuery(RELEASE);
  }
}
