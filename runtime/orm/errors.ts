import { Tina4Error } from "../errors.js";
import { HttpError } from "../http/errors.js";
import { ValidationErrorCode, type ValidationIssue } from "../validation/errors.js";

/** One failing field: the model property name and a readable message. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Thrown by save()/create() when data is invalid, before the database is touched. It is an
 * HttpError(422) with the code and answer of a request that fails its route's schema (one
 * shape for every 422, SPEC §9), so a route that lets it escape answers
 * `{"error":"Validation failed","code":"T4_ERR_VALIDATION_FAILED","errors":[{"in":"body","path":…,"message":…}, …]}`:
 * a model's data comes from a request body when a request gives it.
 * In code, `errors` lists `{field, message}` and `issues` the answer's `{in, path, message}`.
 */
export class ValidationError extends HttpError {
  readonly errors: FieldError[];
  /** The errors as the 422 answer lists them (a non-object's "*" is the body itself: path ""). */
  readonly issues: ValidationIssue[];
  /** The model class name. */
  readonly model: string;

  constructor(errors: FieldError[], model = "Model") {
    const issues = errors.map(({ field, message }): ValidationIssue => ({ in: "body", path: field === "*" ? "" : field, message }));
    super(422, "Validation failed", { code: ValidationErrorCode.FAILED, details: { errors: issues } });
    this.errors = errors;
    this.issues = issues;
    this.model = model;
  }
}

export const ModelErrorCode = {
  /** The model class is misdefined (no tableName, bad field type, no primary key, bad column name). */
  DEFINITION: "T4_ERR_ORM_DEFINITION",
  /** An orderBy names something that is not a field of the model. */
  ORDER_BY: "T4_ERR_ORM_ORDER_BY",
  /** save()/delete() on a record that cannot be identified (no primary key value). */
  NO_KEY: "T4_ERR_ORM_NO_KEY",
  /** A bad argument (negative limit, ...). */
  ARGUMENT: "T4_ERR_ORM_ARGUMENT",
  /** A relation that is not declared, or declared wrong (unknown field, not a model class). */
  RELATION: "T4_ERR_ORM_RELATION",
  /** paginate(): a page or perPage that is not a whole number in range (HTTP 400). */
  PAGINATION: "T4_ERR_ORM_PAGINATION",
} as const;

export type ModelErrorCodeValue = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/**
 * A programming error in how a model is defined or called — except T4_ERR_ORM_ORDER_BY, which
 * a request's choice of sort field (`?sort=`) causes as often as code does: it carries status
 * 400, so a route that lets it escape answers `{"error":"Bad Request","code":"T4_ERR_ORM_ORDER_BY"}`
 * (its message, which lists the model's fields, only in dev), not a 500.
 */
export class ModelError extends Tina4Error {
  /** The HTTP status of a request that ends with this error (http/error-response.ts reads it); absent: 500. */
  readonly status?: number;

  constructor(code: ModelErrorCodeValue, message: string) {
    super(code, message);
    if (code === ModelErrorCode.ORDER_BY) this.status = 400;
  }
}

/** Which paging value was refused. */
export type PageParameter = "page" | "perPage";

/**
 * paginate() refused `page` or `perPage` (not a whole number, below 1, perPage over its
 * maximum). These usually come from a request's query (`?page=0`), so it is an HttpError 400
 * whose message reaches the client: a route that lets it escape answers
 * `{"error":"page must be a whole number of at least 1, got \"0\"","code":"T4_ERR_ORM_PAGINATION","parameter":"page",...}`.
 */
export class PaginationError extends HttpError {
  /** The refused parameter. */
  readonly parameter: PageParameter;

  constructor(parameter: PageParameter, message: string) {
    super(400, message, { code: ModelErrorCode.PAGINATION, details: { parameter } });
    this.parameter = parameter;
  }
}
