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

/**
 * The base of a domain's error class whose `code` is one of that domain's codes:
 * `export class CacheError extends codedError<CacheErrorCode>() {}`. Instances are still
 * Tina4Errors and carry the domain class's own name.
 */
export function codedError<Code extends string>(): CodedErrorClass<Code> {
  // only the type narrows: the runtime class is Tina4Error itself
  return Tina4Error as unknown as CodedErrorClass<Code>;
}

export type CodedErrorClass<Code extends string> = new (code: Code, message: string, options?: { cause?: unknown }) => Tina4Error & { readonly code: Code };
