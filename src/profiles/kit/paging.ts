import { Type, type TProperties } from 'typebox';
import type { Page, PageRequest } from '../../domain/types.ts';

/**
 * The ways documents page a list. Each gives the query fields it reads, turns them into the
 * core's PageRequest, and states the result's paging fields (values and schema).
 */
export interface Paging<Q, R> {
  readonly query: TProperties;
  readonly result: TProperties;
  request(query: Q): PageRequest;
  fields(page: Page<unknown>, request: PageRequest): R;
}

const MAX_OFFSET = 1_000_000;

const offsetQuery = (defaultLimit: number, maxLimit: number) => ({
  limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
});

/** `limit/offset` in, `total/has_more` out (zhihang). */
export function offsetPaging(defaultLimit: number, maxLimit = 100): Paging<{ limit: number; offset: number }, { total: number; has_more: boolean }> {
  return {
    query: offsetQuery(defaultLimit, maxLimit),
    result: { total: Type.Integer(), has_more: Type.Boolean() },
    request: (q) => ({ limit: q.limit, offset: q.offset }),
    fields: (page, r) => ({ total: page.total, has_more: r.offset + page.items.length < page.total }),
  };
}

/** `limit/offset` in, `total` out (lite). */
export function offsetTotalPaging(defaultLimit: number, maxLimit = 100): Paging<{ limit: number; offset: number }, { total: number }> {
  return {
    query: offsetQuery(defaultLimit, maxLimit),
    result: { total: Type.Integer() },
    request: (q) => ({ limit: q.limit, offset: q.offset }),
    fields: (page) => ({ total: page.total }),
  };
}

const pageQuery = (defaultLimit: number, maxLimit: number) => ({
  page: Type.Integer({ minimum: 1, maximum: MAX_OFFSET, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit }),
});
const pageRequest = (q: { page: number; limit: number }): PageRequest => ({ limit: q.limit, offset: (q.page - 1) * q.limit });
const pageNumber = (r: PageRequest) => Math.floor(r.offset / r.limit) + 1;

/** `page/limit` in (pages from 1), `pagination: {page, limit, total, pages}` out (chat8). */
export function pagePaging(
  defaultLimit: number,
  maxLimit = 100,
): Paging<{ page: number; limit: number }, { pagination: { page: number; limit: number; total: number; pages: number } }> {
  return {
    query: pageQuery(defaultLimit, maxLimit),
    result: { pagination: Type.Object({ page: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), pages: Type.Integer() }) },
    request: pageRequest,
    fields: (page, r) => ({ pagination: { page: pageNumber(r), limit: r.limit, total: page.total, pages: Math.ceil(page.total / r.limit) } }),
  };
}

/**
 * `page/limit` in, `meta: {pagination: {page, limit, total, hasNext}}` out (xiaoxiang). The
 * success envelope lifts `meta` beside `data`.
 */
type MetaPagination = { meta: { pagination: { page: number; limit: number; total: number; hasNext: boolean } } };
const metaResult = { meta: Type.Object({ pagination: Type.Object({ page: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), hasNext: Type.Boolean() }) }) };
const metaFields = (page: Page<unknown>, r: PageRequest): MetaPagination => ({
  meta: { pagination: { page: pageNumber(r), limit: r.limit, total: page.total, hasNext: r.offset + page.items.length < page.total } },
});

export function metaPaging(defaultLimit: number, maxLimit = 100): Paging<{ page: number; limit: number }, MetaPagination> {
  return { query: pageQuery(defaultLimit, maxLimit), result: metaResult, request: pageRequest, fields: metaFields };
}

/**
 * `limit/offset` in, `meta: {pagination: {page, limit, total, hasNext}}` out, with
 * `page = floor(offset / limit) + 1` (xiaoxiang, whose lists take offsets but answer pages).
 */
export function offsetMetaPaging(defaultLimit: number, maxLimit = 100): Paging<{ limit: number; offset: number }, MetaPagination> {
  return { query: offsetQuery(defaultLimit, maxLimit), result: metaResult, request: (q) => ({ limit: q.limit, offset: q.offset }), fields: metaFields };
}

/**
 * Cursor paging (flutter): `limit` with `before`/`after` ids in, `has_more` and the next cursor
 * out. The cursor is the id at the page's edge; the service reads `before`/`after` itself.
 */
export function cursorPaging(defaultLimit: number, maxLimit = 100): Paging<{ limit: number }, { has_more: boolean }> {
  return {
    query: { limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit }) },
    result: { has_more: Type.Boolean() },
    request: (q) => ({ limit: q.limit, offset: 0 }),
    fields: (page, r) => ({ has_more: page.items.length >= r.limit && page.total > page.items.length }),
  };
}
