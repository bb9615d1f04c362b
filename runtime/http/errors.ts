import { Tina4Error } from "../errors.js";

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

export const badRequest = (message: string, code = "T4_ERR_HTTP_BAD_REQUEST") => new HttpError(400, message, { code });
