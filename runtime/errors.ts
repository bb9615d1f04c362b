/**
 * Base of every tina4 error. Each domain (http, db, cache, cli, ...) derives its own class
 * and every instance carries a stable `code` (T4_ERR_<DOMAIN>_<WHAT>) that callers and
 * tests branch on, never on the message.
 */
export class Tina4Error extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
