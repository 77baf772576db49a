/**
 * Whether a build may run on a database, from the migrations each knows: pure, so the rules are
 * tested without a database.
 */

/** The database does not fit this build and starting would risk misreading or damaging it. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

export interface SchemaCheck {
  /** Known migrations the database has not had yet, in order. */
  pending: string[];
  /** Recorded migrations this build does not know, all sorting after its own: a newer build's. */
  unknown: string[];
}

/**
 * `known`: this build's migrations; `executed`: the database's. `compatibility.required` is the
 * oldest version the builds that migrated the database said can run on it (null: none said).
 * A newer build's migrations are accepted: they are additive by rule. Refused: an unknown
 * migration that sorts before one of ours (another line of development, or an edited table), a
 * migration of ours skipped while a later one was applied (ours or not: a newer build of the
 * same line has all of ours), and a schema that needs a newer build.
 */
export function checkSchema(known: readonly string[], executed: readonly string[], compatibility: { required: string | null; own: string }): SchemaCheck {
  const sortedKnown = [...known].sort();
  const last = sortedKnown.at(-1);
  const knownSet = new Set(known);
  const executedSet = new Set(executed);
  const unknown = executed.filter((name) => !knownSet.has(name)).sort();
  const misplaced = unknown.find((name) => last !== undefined && name < last);
  if (misplaced) {
    const after = sortedKnown.find((name) => name > misplaced);
    throw new SchemaMismatchError(
      `the database has migration ${misplaced}, which this build of Parley does not know and which sorts before its own ${after}: ` +
        'it was migrated by a build from another line of development, or its parley_migrations table was edited. ' +
        'Run the build that migrated it, or restore the backup taken before.',
    );
  }
  const pending = sortedKnown.filter((name) => !executedSet.has(name));
  const lastExecuted = [...executed].sort().at(-1);
  const skipped = pending.find((name) => lastExecuted !== undefined && name < lastExecuted);
  if (skipped) {
    // Applying it under a newer build's migrations would mix two lines of development, which
    // the newer build would then refuse in turn.
    const why = knownSet.has(lastExecuted!)
      ? 'the schema is not one this build can bring up to date'
      : `${lastExecuted} is not one of this build's, so a build from another line of development, one without ${skipped}, migrated it`;
    throw new SchemaMismatchError(
      `migration ${skipped} was never applied to the database, but the later ${lastExecuted} was: ${why}. ` +
        'Restore the backup taken before, or repair parley_migrations by hand.',
    );
  }
  if (compatibility.required !== null && newerVersion(compatibility.required, compatibility.own)) {
    throw new SchemaMismatchError(
      `the database schema needs Parley ${compatibility.required} or newer (a newer build migrated it with changes older builds cannot read); ` +
        `this is ${compatibility.own}. Run a newer build, or restore the backup taken before the upgrade.`,
    );
  }
  return { pending, unknown };
}

/** Whether semantic version `a` is newer than `b` (pre-release and build tags ignored). */
export function newerVersion(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

function parts(v: string): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  if (!m) throw new SchemaMismatchError(`not a version: ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
