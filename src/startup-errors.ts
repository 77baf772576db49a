import { redactUrl } from './redaction.ts';

/**
 * A start that cannot proceed because of the deployment around it (a port taken, a database that
 * does not answer, a directory that cannot be written), told in one line naming the variable to
 * look at. The CLI prints the message alone, without a stack, and exits 2.
 */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${message}`, options);
    this.name = 'StartupError';
  }
}

/** What went wrong, in a few words: the message, else the error code; an AggregateError (each address tried) by its first error. */
export function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0 && !err.message) return reasonOf(err.errors[0]);
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (err.message) return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  return typeof code === 'string' ? code : err.name;
}

/** The variable that chose a listener's port: PORT for the main one, PROFILES for a profile on its own port. */
export interface ListenerOrigin {
  variable: string;
  /** e.g. `lite@:8001`, for a profile's own port. */
  what?: string;
}

/** A listen that failed for a reason an operator fixes by configuration: the port taken or forbidden, the address not on this machine. */
export function explainListenError(err: unknown, host: string, port: number, origin: ListenerOrigin): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `port ${port}${origin.what ? ` (${origin.what})` : ''} on ${host}`;
  const change = origin.variable === 'PORT' ? 'set PORT to another port' : `give it another port in ${origin.variable}`;
  if (code === 'EADDRINUSE') return new StartupError(origin.variable, `${where} is already in use by another process; stop it or ${change}`, { cause: err });
  if (code === 'EACCES') return new StartupError(origin.variable, `${where} may not be opened by this user (ports below 1024 need privileges); ${change}`, { cause: err });
  if (code === 'EADDRNOTAVAIL') return new StartupError('HOST', `${host} is not an address of this machine`, { cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StartupError('HOST', `${host} does not resolve to an address (${String(code)})`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/** The database's errors that waiting will not cure: a password refused, a database or role that does not exist. */
const permanentPostgresCodes = new Set(['28P01', '28000', '3D000', '42501']);

/** Whether another attempt to reach the database may succeed. */
export function isTransientDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && permanentPostgresCodes.has(code));
}

/** A database that could not be opened or reached, naming the variable that chose it (password masked). */
export function databaseStartupError(err: unknown, url: string, variable: string): StartupError {
  const reason = reasonOf(err);
  const shown = variable === 'DATABASE_URL' ? redactUrl(url) : url.replace(/^sqlite:/, '');
  const what = url.startsWith('sqlite:') ? `cannot open the SQLite database ${shown}` : `cannot reach the database at ${shown}`;
  return new StartupError(variable, `${what}: ${reason}`, { cause: err });
}
