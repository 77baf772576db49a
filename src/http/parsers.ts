import { parse as parseQueryString } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { checkWellFormed, isDecodableQuery, utf8Text } from './request-text.ts';

const malformedQuery = Symbol('malformed query');

/**
 * The router's query parser. It cannot refuse a request itself, so a query whose escapes are not
 * UTF-8 is marked here and refused by the hook below, in the envelope of the route's profile.
 */
export function parseQuery(raw: string): Record<string | symbol, unknown> {
  const query = (raw === '' ? {} : parseQueryString(raw)) as Record<string | symbol, unknown>;
  if (!isDecodableQuery(raw)) query[malformedQuery] = true;
  return query;
}

/**
 * Request bodies and query strings are read strictly: JSON must be UTF-8 without lone surrogates
 * (errors name the field), an empty JSON body is no body, and text/plain is a client mistake.
 */
export function installStrictParsers(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request and almost always passes.
  app.addHook('onRequest', (request, _reply, done) => {
    if ((request.query as Record<symbol, unknown> | undefined)?.[malformedQuery]) {
      done(new AppError('BAD_REQUEST', 'the query string is not valid percent-encoded UTF-8'));
    } else {
      done();
    }
  });

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  // A JSON API: a text/plain body is a client mistake (415), not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8Text(body as Buffer, 'the request body');
    } catch (err) {
      return done(err as AppError, undefined);
    }
    // Clients often send `Content-Type: application/json` with an empty body on POSTs such as
    // logout: that is "no body", not a parse error.
    if (text.trim() === '') return done(null, undefined);
    void jsonParser(request, text, (err, value) => {
      if (err) return done(notJson(err), undefined);
      try {
        checkWellFormed(text, value, 'body');
      } catch (problem) {
        return done(problem as AppError, undefined);
      }
      done(null, value);
    });
  });
}

/** Fastify's own 4xx (e.g. a `__proto__` key) keeps its word; anything else is simply not JSON. */
function notJson(err: Error & { statusCode?: number }): Error {
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 && !(err instanceof SyntaxError)) return err;
  return new AppError('BAD_REQUEST', 'request body is not valid JSON');
}
