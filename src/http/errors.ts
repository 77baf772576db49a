import type { FastifyError } from 'fastify';
import { AppError, type CoreErrorCode } from '../domain/errors.ts';
import { fieldProblems } from './validation.ts';

const byStatus: Record<number, CoreErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  // Connection refused/reset/timeouts and PostgreSQL's "cannot connect now"/admin shutdown classes.
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[1-3]|08\d{3})$/.test(code) || /timeout exceeded when trying to connect|Connection terminated/i.test((err as Error)?.message ?? '');
}

/**
 * Normalises anything thrown while handling a request into an AppError: schema failures become
 * VALIDATION with field details, Fastify's own 4xx errors keep their status, a lost database is
 * UNAVAILABLE (503), and everything else is INTERNAL with no detail leaked.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const problems = fieldProblems(fe.validation as never[], fe.validationContext);
    const where = fe.validationContext === 'body' ? '' : ` in ${fe.validationContext ?? 'request'}`;
    return AppError.validation(problems, problems.map((p) => `${p.field}${where} ${p.message}`).join('; '));
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'request body is not valid JSON' : fe.message;
    return new AppError(byStatus[status] ?? 'BAD_REQUEST', message);
  }
  if (isDatabaseUnavailable(err)) return new AppError('UNAVAILABLE', 'the database is unreachable; try again shortly', { cause: err });
  return new AppError('INTERNAL', 'internal server error', { cause: err });
}
