import { Tina4Error } from "../errors.js";

/** Every seeding failure carries one of these codes; callers branch on `code`, never on the message. */
export const SeedErrorCode = {
  /** A seeder threw: its transaction was rolled back and the seeders after it did not run. */
  FAILED: "T4_ERR_SEED_FAILED",
  /** A seed file does not load, or has no default export function: nothing ran. */
  LOAD: "T4_ERR_SEED_LOAD",
  /** `only` names no seed file: nothing ran. */
  UNKNOWN: "T4_ERR_SEED_UNKNOWN",
} as const;

export type SeedErrorCodeValue = (typeof SeedErrorCode)[keyof typeof SeedErrorCode];

export class SeedError extends Tina4Error {
  /** The seed file, relative to the app root (`src/seeds/01_users.ts`). */
  readonly file: string | undefined;

  constructor(code: SeedErrorCodeValue, message: string, details: { file?: string | undefined; cause?: unknown } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
  }
}
