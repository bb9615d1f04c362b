import { Tina4Error } from "../runtime/errors.js";

/**
 * The CLI's own error codes. A CliError may also carry a runtime domain's code (a database,
 * migration or route-file failure keeps its code on the way out).
 */
export const CliErrorCode = {
  /** A failure with no more specific code. */
  GENERAL: "T4_ERR_CLI",
  /** An option value the command does not accept. */
  BAD_OPTION: "T4_ERR_CLI_BAD_OPTION",
  /** A name for generated code that cannot be used (empty, reserved, not an identifier). */
  BAD_NAME: "T4_ERR_CLI_BAD_NAME",
  /** A --fields entry that cannot be read. */
  BAD_FIELD: "T4_ERR_CLI_BAD_FIELD",
  /** --steps that is not a positive whole number. */
  BAD_STEPS: "T4_ERR_CLI_BAD_STEPS",
  /** `tina4 build` failed (the app does not load, a template does not compile). */
  BUILD: "T4_ERR_CLI_BUILD",
  /** A destructive command refused to run: in production without --force, or off a terminal without --yes. */
  REFUSED: "T4_ERR_CLI_REFUSED",
  /** An interactive prompt was cancelled. */
  CANCELLED: "T4_ERR_CLI_CANCELLED",
  /** A setting that stops `serve` at start (an unknown cache backend, say). */
  CONFIG: "T4_ERR_CLI_CONFIG",
  /** Generated files would overwrite existing ones (without --force). */
  EXISTS: "T4_ERR_CLI_EXISTS",
  /** `init` into a folder that is not empty (without --force). */
  NOT_EMPTY: "T4_ERR_CLI_NOT_EMPTY",
  /** `generate route --model` names a model that does not exist. */
  NO_MODEL: "T4_ERR_CLI_NO_MODEL",
  /** No tina4 app in the folder or above it. */
  NO_PROJECT: "T4_ERR_CLI_NO_PROJECT",
  /** A port outside 0-65535. */
  PORT: "T4_ERR_CLI_PORT",
  /** A --workers value that cannot be used. */
  WORKERS: "T4_ERR_CLI_WORKERS",
  /** Dev mode: the app's code failed to load (the error page's JSON `code`). */
  DEV_LOAD: "T4_ERR_DEV_LOAD",
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** A user-facing CLI failure: printed as one line, exit code 1 (or `exitCode`). */
export class CliError extends Tina4Error {
  readonly exitCode: number;

  constructor(message: string, code: string = CliErrorCode.GENERAL, exitCode = 1) {
    super(code, message);
    this.exitCode = exitCode;
  }
}
