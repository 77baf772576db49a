import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type RootOperationNode } from 'kysely';
import type { Database } from './schema.ts';

/** Stands for a named value while a query is built; replaced by that value at each run. */
class Slot {
  constructor(readonly name: string) {}
}

interface Template {
  sql: string;
  query: RootOperationNode;
  /** Per SQL parameter: the slot it takes its value from, or a constant of the query. */
  parameters: readonly unknown[];
}

/**
 * A query built and compiled once per database, then run with new values. Kysely builds and
 * compiles every query on each call, which profiles of the send path put at a fifth of the
 * server's CPU; the few statements every message runs are defined with this instead.
 *
 * `build` receives stand-ins for the named values: it may place them wherever Kysely takes a
 * value (columns, comparisons, `sql` fragments) but must not inspect them, so a query whose shape
 * depends on the values (an `in` list, an optional filter) does not belong here.
 */
export function precompiled<P extends Record<string, unknown>, O>(
  build: (db: Kysely<Database>, values: P) => Compilable<O>,
): (db: Kysely<Database>, values: P) => Promise<O[]> {
  // Keyed by the dialect's adapter, which a Kysely instance shares with its transactions.
  const templates = new WeakMap<object, Template>();
  const stand = new Proxy({} as P, { get: (_, name) => new Slot(String(name)) });
  return async (db, values) => {
    const executor = db.getExecutor();
    let template = templates.get(executor.adapter);
    if (!template) {
      const compiled = build(db, stand).compile();
      template = { sql: compiled.sql, query: compiled.query, parameters: compiled.parameters };
      templates.set(executor.adapter, template);
    }
    const parameters = template.parameters.map((p) => {
      if (!(p instanceof Slot)) return p;
      const value = values[p.name];
      if (value === undefined) throw new Error(`precompiled query: no value for ${p.name}`);
      return value;
    });
    const query: CompiledQuery<O> = { sql: template.sql, query: template.query, queryId: createQueryId(), parameters };
    return (await db.executeQuery(query)).rows;
  };
}
