/** Error codes of `tina4 console` (carried by CliError, so main.ts prints them as one line and exits 1). */
export const ConsoleErrorCode = {
  /** The app's code (src/app.ts, a route file or a model under src/models) did not load. */
  LOAD: "T4_ERR_CONSOLE_LOAD",
  /** The lazily opened `db` has no SQLite file to open (the console never creates one). */
  NO_DATABASE: "T4_ERR_CONSOLE_NO_DATABASE",
} as const;
export type ConsoleErrorCode = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode];
