/**
 * Recognises a unique-constraint violation from either driver and tells which index or column it
 * names, so services can turn a lost race into the same error as the pre-check would have given.
 */
export function uniqueViolation(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') return e.constraint ?? e.message ?? 'unique';
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return e.message ?? 'unique';
  return undefined;
}

export function violates(err: unknown, ...names: string[]): boolean {
  const what = uniqueViolation(err);
  return what !== undefined && names.some((n) => what.includes(n));
}

/** Escapes LIKE wildcards so user input matches literally (used with ESCAPE '\'). */
export function likePrefix(input: string): string {
  return `${input.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A LIKE pattern matching the input anywhere, wildcards in it taken literally. */
export function likeContains(input: string): string {
  return `%${likePrefix(input)}`;
}
