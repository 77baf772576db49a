import type { Database as SqliteHandle, Statement } from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
} from 'kysely';

/**
 * Kysely's SQLite dialect with a driver tuned for a server's hot path. Profiles of a chat load
 * showed two costs in the stock driver: it prepares every statement afresh (better-sqlite3's
 * `prepare` took a fifth of the server's CPU), and its connection mutex wakes every waiter on each
 * release, so hundreds of queued requests spin through the microtask queue. This one keeps
 * prepared statements by SQL text and hands the single connection over in arrival order.
 */
export class ServerSqliteDialect extends SqliteDialect {
  constructor(private readonly handle: SqliteHandle) {
    super({ database: handle });
  }

  override createDriver(): Driver {
    return new ServerSqliteDriver(this.handle);
  }
}

/** Enough for every query shape the repositories build; a bound keeps odd ad-hoc SQL from piling up. */
const STATEMENT_CACHE_SIZE = 1000;

class ServerSqliteDriver implements Driver {
  private readonly lock = new FifoLock();
  private readonly connection: ServerSqliteConnection;

  constructor(private readonly handle: SqliteHandle) {
    this.connection = new ServerSqliteConnection(handle);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    this.lock.release();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.handle.close();
  }
}

class ServerSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly handle: SqliteHandle) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepared(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('SQLite can stream only select queries');
    // A fresh statement: a cached one would be busy for every other query until the stream ends.
    for (const row of this.handle.prepare(compiled.sql).iterate(compiled.parameters)) yield { rows: [row as R] };
  }

  private prepared(sqlText: string): Statement {
    let stmt = this.statements.get(sqlText);
    if (stmt) return stmt;
    stmt = this.handle.prepare(sqlText);
    if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(sqlText, stmt);
    return stmt;
  }
}

/** A mutex that wakes only the next waiter, in arrival order. */
export class FifoLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}
