import { Tina4Error } from "../errors.js";
import { HttpError } from "../http/errors.js";

/** One failing field: the model property name and a readable message. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Thrown by save()/create() when data is invalid, before the database is touched. It is an
 * HttpError(422), so a route that lets it escape answers
 * `{"error":"Validation failed","errors":[{"field":…,"message":…}, …]}`.
 */
export class ValidationError extends HttpError {
  readonly errors: FieldError[];
  /** The model class name. */
  readonly model: string;

  constructor(errors: FieldError[], model = "Model") {
    super(422, "Validation failed", { code: "T4_ERR_VALIDATION", details: { errors } });
    this.errors = errors;
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
} as const;

export type ModelErrorCodeValue = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/** A programming error in how a model is defined or called (not bad user data). */
export class ModelError extends Tina4Error {
  constructor(code: ModelErrorCodeValue, message: string) {
    super(code, message);
  }
}
