import { codedError } from "../errors.js";

/** Every router error code (all raised while routes are registered or route files load). */
export const RouterErrorCode = {
  /** A route path or group prefix that is malformed (no leading "/", bad or duplicate parameter, catch-all not last). */
  PATTERN: "T4_ERR_ROUTE_PATTERN",
  /** A `{name:type}` parameter with an unknown type. */
  PARAM_TYPE: "T4_ERR_ROUTE_PARAM_TYPE",
  /** A handler that is not a function. */
  HANDLER: "T4_ERR_ROUTE_HANDLER",
  /** Route middleware that is not an array. */
  MIDDLEWARE: "T4_ERR_ROUTE_MIDDLEWARE",
  /** `secured` that is not true or false. */
  SECURED: "T4_ERR_ROUTE_SECURED",
  /** `csrf` that is not true or false. */
  CSRF: "T4_ERR_ROUTE_CSRF",
  /** A group() callback that registers asynchronously. */
  GROUP_ASYNC: "T4_ERR_ROUTE_GROUP_ASYNC",
  /** A route file that fails to load or exports no usable handler. */
  FILE: "T4_ERR_ROUTE_FILE",
} as const;
export type RouterErrorCode = (typeof RouterErrorCode)[keyof typeof RouterErrorCode];

/** Raised at route registration time: bad pattern, unknown param type, bad handler. */
export class RouterError extends codedError<RouterErrorCode>() {}
