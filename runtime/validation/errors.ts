import { Tina4Error } from "../errors.js";
import { HttpError } from "../http/errors.js";

/** Where a failing value came from. */
export type ValidationLocation = "params" | "query" | "body" | "headers";

/** One failing field of a request: `{ in: "body", path: "items.0.price", message }`. */
export interface ValidationIssue {
  in: ValidationLocation;
  path: string;
  message: string;
}

export const ValidationErrorCode = {
  /** The request failed its route's schema (HTTP 422). */
  FAILED: "T4_ERR_VALIDATION_FAILED",
  /** A route's `schema` is not made of zod / Standard Schema v1 validators (registration time). */
  SCHEMA: "T4_ERR_VALIDATION_SCHEMA",
} as const;

/**
 * A request that does not match its route's schema: 422
 * `{"error":"Validation failed","errors":[{"in","path","message"}, ...]}` listing every
 * failing field of every location. Never carries a stack to the client.
 */
export class RequestValidationError extends HttpError {
  readonly errors: ValidationIssue[];

  constructor(errors: ValidationIssue[]) {
    super(422, "Validation failed", { code: ValidationErrorCode.FAILED, details: { errors } });
    this.errors = errors;
  }
}

/** A route schema that cannot be used: thrown when the route is registered. */
export class SchemaError extends Tina4Error {
  constructor(message: string) {
    super(ValidationErrorCode.SCHEMA, message);
  }
}
