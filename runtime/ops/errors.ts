import { Tina4Error } from "../errors.js";

/** Error codes of runtime/ops (logging, metrics, tracing, the test client). */
export const OpsErrorCode = {
  /** testClient() found no app (no src/routes) in the folder or any parent. */
  NO_APP: "T4_ERR_OPS_NO_APP",
  /** A test client request was given both `json` and `form`, or a body on GET. */
  BAD_REQUEST_OPTIONS: "T4_ERR_OPS_BAD_REQUEST_OPTIONS",
  /** GET /__metrics without the TINA4_METRICS_TOKEN bearer token (401). */
  METRICS_TOKEN: "T4_ERR_OPS_METRICS_TOKEN",
} as const;
export type OpsErrorCode = (typeof OpsErrorCode)[keyof typeof OpsErrorCode];

export class OpsError extends Tina4Error {
  constructor(code: OpsErrorCode, message: string) {
    super(code, message);
  }
}
