import { Tina4Error } from "../errors.js";

/** Every template error code. Callers and tests branch on `err.code`, never on the message. */
export const TemplateErrorCode = {
  /** No file for the name under the templates folder. */
  NOT_FOUND: "T4_ERR_TEMPLATE_NOT_FOUND",
  /** A name that could reach outside the templates folder (`..`, absolute, NUL, backslash, dot-file). */
  BAD_NAME: "T4_ERR_TEMPLATE_NAME",
  /** The template does not parse. */
  SYNTAX: "T4_ERR_TEMPLATE_SYNTAX",
  /** Rendering failed (a filter, a function or a value in the data threw). */
  RENDER: "T4_ERR_TEMPLATE_RENDER",
  /** include/extends/embed nested deeper than the limit, or macros/imports that never end. */
  RECURSION: "T4_ERR_TEMPLATE_RECURSION",
  /** The template tried to reach something the sandbox forbids (constructors, prototypes, files). */
  SANDBOX: "T4_ERR_TEMPLATE_SANDBOX",
  /** `res.render` on an app configured without a templates folder. */
  DISABLED: "T4_ERR_TEMPLATE_DISABLED",
} as const;
export type TemplateErrorCode = (typeof TemplateErrorCode)[keyof typeof TemplateErrorCode];

export interface TemplateErrorDetails {
  /** The template's name, relative to the templates folder (`pages/index.twig`). */
  template?: string;
  line?: number;
  column?: number;
  /** A few source lines around `line`, `>` marking it. */
  frame?: string;
  /** Absolute paths tried for a missing template. */
  searched?: string[];
  cause?: unknown;
}

/**
 * A template failed to load, parse or render. The message names the template (and line);
 * HTTP responses show it only in dev mode, production logs it and answers a generic 500.
 */
export class TemplateError extends Tina4Error {
  declare readonly code: TemplateErrorCode;
  readonly template?: string;
  readonly line?: number;
  readonly column?: number;
  readonly frame?: string;
  readonly searched?: string[];

  constructor(code: TemplateErrorCode, message: string, details: TemplateErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.template !== undefined) this.template = details.template;
    if (details.line !== undefined) this.line = details.line;
    if (details.column !== undefined) this.column = details.column;
    if (details.frame !== undefined) this.frame = details.frame;
    if (details.searched !== undefined) this.searched = details.searched;
  }

  /** `pages/index.twig:3:5`, or just the name when the line is unknown. */
  get location(): string {
    if (!this.template) return "";
    return this.line ? `${this.template}:${this.line}${this.column ? `:${this.column}` : ""}` : this.template;
  }
}
