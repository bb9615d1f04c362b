import { codedError } from "../errors.js";

/** Every configuration error code (environment variables, `.env` files). */
export const ConfigErrorCode = {
  /** A variable whose value has the wrong form (TINA4_PORT=abc, TINA4_AUTOCOMMIT=maybe). */
  BAD_VALUE: "T4_ERR_CONFIG_BAD_VALUE",
  /** A `.env` / `.env.local` line that cannot be read (an unterminated quote, a line that is not KEY=value). */
  ENV_FILE: "T4_ERR_CONFIG_ENV_FILE",
  /** A TINA4_TRUSTED_PROXIES entry that is not an IP address, a CIDR range or "loopback". */
  TRUSTED_PROXIES: "T4_ERR_CONFIG_TRUSTED_PROXIES",
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** Bad configuration: raised at startup, naming the variable or file and line. */
export class ConfigError extends codedError<ConfigErrorCode>() {}
