/**
 * Paging of model records (`Product.paginate({ page, perPage })`): the checks of page and
 * perPage, which usually come straight from a request's query (`?page=2&perPage=50`), and the
 * `meta` of the answer. The queries themselves are Model.paginate's (one COUNT, one page).
 */
import type { SqlParams } from "../db/index.js";
import { ModelError, ModelErrorCode, PaginationError, type PageParameter } from "./errors.js";
import type { CountOptions, OrderBy, WithRelations } from "./query-options.js";

/** Records per page when perPage is not given. */
export const DEFAULT_PER_PAGE = 20;
/** The largest perPage allowed unless a call sets its own `maxPerPage`. */
export const DEFAULT_MAX_PER_PAGE = 100;

/**
 * A page or perPage as code or a request gives it: a number, or a query value (`req.query.page`:
 * text, or a list when the parameter is repeated, which is refused). Missing or "" → the default.
 */
export type PageInput = number | string | readonly string[] | null | undefined;

export interface PaginateOptions<K extends string = string> extends CountOptions, WithRelations<K> {
  /** The page, from 1 (default 1). A page past the last gives no records, with the right meta. */
  page?: PageInput;
  /** Records per page, from 1 to maxPerPage (default 20). */
  perPage?: PageInput;
  /** The largest perPage accepted (default 100): more is refused, not cut. */
  maxPerPage?: number;
  /** Order of the records (fields, as in where()); default the primary key. */
  orderBy?: OrderBy;
  /** A WHERE condition with `?` placeholders (column names), as in where(). */
  where?: string;
  /** The values of the `?` in `where`. */
  params?: SqlParams;
}

export interface PageMeta {
  /** The page asked for. */
  page: number;
  perPage: number;
  /** Records matching, on every page. */
  total: number;
  /** The last page with records (1 when there are none). */
  lastPage: number;
}

/** One page of records and where it sits: `{ data, meta: { page, perPage, total, lastPage } }`. */
export interface Page<T> {
  data: T[];
  meta: PageMeta;
}

const WHOLE = /^\s*\d+\s*$/;

function whole(parameter: PageParameter, input: PageInput, fallback: number, max: number): number {
  if (input === undefined || input === null || input === "") return fallback;
  if (typeof input !== "number" && typeof input !== "string") {
    throw new PaginationError(parameter, `${parameter} must be given once, got ${input.length} values`);
  }
  const digits = typeof input === "string" && WHOLE.test(input);
  const n = typeof input === "number" ? input : digits ? Number(input) : NaN;
  // digits beyond a safe integer are a whole number too: too large, not malformed
  if (digits && n > max) throw new PaginationError(parameter, `${parameter} must be at most ${max}, got ${input.trim()}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new PaginationError(parameter, `${parameter} must be a whole number of at least 1, got ${typeof input === "string" ? JSON.stringify(input) : String(input)}`);
  if (n > max) throw new PaginationError(parameter, `${parameter} must be at most ${max}, got ${n}`);
  return n;
}

/** The checked page and perPage of `options` and the rows to skip. */
export function pageWindow(options: Pick<PaginateOptions, "page" | "perPage" | "maxPerPage">): { page: number; perPage: number; offset: number } {
  const maxPerPage = options.maxPerPage ?? DEFAULT_MAX_PER_PAGE;
  if (!Number.isSafeInteger(maxPerPage) || maxPerPage < 1) {
    throw new ModelError(ModelErrorCode.ARGUMENT, `maxPerPage must be a whole number of at least 1, got ${String(maxPerPage)}`);
  }
  const perPage = whole("perPage", options.perPage, Math.min(DEFAULT_PER_PAGE, maxPerPage), maxPerPage);
  // the offset must stay a safe integer: a page beyond that is refused, not wrapped
  const page = whole("page", options.page, 1, Math.floor(Number.MAX_SAFE_INTEGER / perPage));
  return { page, perPage, offset: (page - 1) * perPage };
}

export function pageMeta(page: number, perPage: number, total: number): PageMeta {
  return { page, perPage, total, lastPage: Math.max(1, Math.ceil(total / perPage)) };
}
