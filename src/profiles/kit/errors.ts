import type { AppError, CoreErrorCode, FieldProblem } from '../../domain/errors.ts';
import { newRequestId } from '../../http/request-id.ts';
import type { Envelope, ErrorParts } from './envelopes.ts';
import { invalidInputText, localeOf, type Locale } from './texts.ts';

/** A document's code and text for a core error, and its HTTP status where it differs. */
export interface DocumentCode {
  code: number | string;
  message: string;
  status?: number;
}

export interface ErrorTableSpec {
  /** Core error code → the document's code. */
  codes: Partial<Record<CoreErrorCode, DocumentCode>>;
  /** For errors without a code of their own: the document's code and text per HTTP status. */
  byStatus(status: number): { code: number | string; message: string };
  /** Status overrides for whole core codes (e.g. validation 400 where the document says so). */
  statuses?: Partial<Record<CoreErrorCode, number>>;
  /** The core's neutral field names (camelCase) → the document's. */
  fieldName(coreField: string): string;
  /**
   * Say a validation error's detail as a short sentence in the HTTP client's language
   * (`Accept-Language`; this language when it states none) instead of listing the problems,
   * which stay in the details. Answers with no HTTP client (socket frames) keep the list.
   */
  validationSentences?: Locale;
}

/** The HTTP client an error answers, where there is one. */
export interface ErrorClient {
  acceptLanguage: string | undefined;
}

/** What a profile answers for an error: the status and the body in its envelope. */
export interface RenderedError {
  status: number;
  body: unknown;
}

export interface ErrorTable {
  parts(err: AppError, requestId: string, at: number, client?: ErrorClient): ErrorParts;
  render(err: AppError, requestId: string, at: number, client?: ErrorClient): RenderedError;
}

const joined = (problems: FieldProblem[]) => problems.map((p) => `${p.field}: ${p.message}`).join('; ');

/** camelCase → snake_case, for documents written in snake_case. */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Field names for documents in snake_case, with the exceptions a document names differently. */
export function snakeFields(exceptions: Record<string, string> = {}): (field: string) => string {
  return (field) =>
    field
      .split('.')
      .map((part) => exceptions[part] ?? snakeCase(part))
      .join('.');
}

export function errorTable(envelope: Envelope, spec: ErrorTableSpec): ErrorTable {
  const parts = (err: AppError, requestId: string, at: number, client?: ErrorClient): ErrorParts => {
    const own = spec.codes[err.code];
    const status = own?.status ?? spec.statuses?.[err.code] ?? err.status;
    const { code, message } = own ?? spec.byStatus(status);
    let detail = err.message;
    let details: FieldProblem[] | undefined;
    if (err.code === 'VALIDATION' && Array.isArray(err.details)) {
      const original = err.details as FieldProblem[];
      details = original.map((p) => ({ field: spec.fieldName(p.field), message: p.message }));
      // A message made from the problems names the core's fields; say it in the document's.
      if (detail === joined(original)) detail = joined(details);
      if (client && spec.validationSentences && details.length > 0) detail = invalidInputText(details, localeOf(client.acceptLanguage, spec.validationSentences));
    }
    // Answers outside an HTTP request (refused upgrades, socket frames) still get an id of their own.
    return { status, code, message, detail, ...(details && { details }), requestId: requestId || newRequestId(), at };
  };
  return {
    parts,
    render(err, requestId, at, client) {
      const p = parts(err, requestId, at, client);
      return { status: p.status, body: envelope.error(p) };
    },
  };
}
