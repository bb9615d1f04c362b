import { Tina4Error } from "../runtime/errors.js";

/** A user-facing CLI failure: printed as one line, exit code 1 (or `exitCode`). */
export class CliError extends Tina4Error {
  readonly exitCode: number;

  constructor(message: string, code = "T4_ERR_CLI", exitCode = 1) {
    super(code, message);
    this.exitCode = exitCode;
  }
}
