import { Tina4Error } from "../errors.js";

/**
 * Every HTTP error code tina4 raises itself (an HttpError without a code gets
 * `T4_ERR_HTTP_<status>`). Callers and tests branch on `code`, never on the message.
 */
export const HttpErrorCode = {
  /** A generic 400 (badRequest() without a code). */
  BAD_REQUEST: "T4_ERR_HTTP_BAD_REQUEST",
  /** Malformed percent-encoding in the path or query, or a body that is not valid UTF-8 (400). */
  BAD_ENCODING: "T4_ERR_HTTP_BAD_ENCODING",
  /** A path that decodes to something unsafe (NUL byte, escaping public/) (400). */
  BAD_PATH: "T4_ERR_HTTP_BAD_PATH",
  /** The body could not be read, or ended early (400). */
  BODY_READ: "T4_ERR_HTTP_BODY_READ",
  /** The body is over TINA4_MAX_BODY (413). */
  BODY_TOO_LARGE: "T4_ERR_HTTP_BODY_TOO_LARGE",
  /** A multipart body that cannot be parsed (400). */
  BAD_MULTIPART: "T4_ERR_HTTP_BAD_MULTIPART",
  /** A JSON body that does not parse (400). */
  INVALID_JSON: "T4_ERR_HTTP_INVALID_JSON",
  /** A JSON body nested deeper than the limit (400). */
  JSON_TOO_DEEP: "T4_ERR_HTTP_JSON_TOO_DEEP",
  /** No route for the path (404). */
  NOT_FOUND: "T4_ERR_HTTP_NOT_FOUND",
  /** Routes exist for the path, not for the method (405, with Allow). */
  METHOD_NOT_ALLOWED: "T4_ERR_HTTP_METHOD_NOT_ALLOWED",
  /** A form POST's `_method` field that is not PUT, PATCH, DELETE or POST (400; http/method-override.ts). */
  METHOD_OVERRIDE: "T4_ERR_HTTP_METHOD_OVERRIDE",
  /** A cookie name the app set is not a token (500: the app's bug). */
  COOKIE_NAME: "T4_ERR_HTTP_COOKIE_NAME",
  /** A cookie value that is not a string, not Unicode, or too large for browsers (500). */
  COOKIE_VALUE: "T4_ERR_HTTP_COOKIE_VALUE",
  /** A cookie attribute that could split the header or that browsers would drop (500). */
  COOKIE_ATTRIBUTE: "T4_ERR_HTTP_COOKIE_ATTRIBUTE",
  /** A file became shorter than the Content-Length already sent for it (the connection is cut; file-bytes.ts). */
  FILE_SHRUNK: "T4_ERR_HTTP_FILE_SHRUNK",
  /** A file changed between the stat its byte range was announced from and its open (the 206's connection is cut; byte-range.ts). */
  FILE_CHANGED: "T4_ERR_HTTP_FILE_CHANGED",
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * An error that maps to an HTTP status. `expose` decides whether `message` reaches the
 * client (true by default below 500); a 5xx message is only shown in dev mode.
 */
export class HttpError extends Tina4Error {
  readonly status: number;
  readonly expose: boolean;
  readonly details?: Record<string, unknown>;

  constructor(status: number, message: string, options: { code?: string; expose?: boolean; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(options.code ?? `T4_ERR_HTTP_${status}`, message, { cause: options.cause });
    this.status = status;
    this.expose = options.expose ?? status < 500;
    if (options.details) this.details = options.details;
  }
}

export const badRequest = (message: string, code: string = HttpErrorCode.BAD_REQUEST) => new HttpError(400, message, { code });
