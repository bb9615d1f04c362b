import { codedError } from "../errors.js";

/** Stable codes of `lock()` / `tryLock()` failures. */
export const LockErrorCode = {
  /** `lock()` waited `waitSeconds` and the lock stayed busy. */
  TIMEOUT: "T4_ERR_LOCK_TIMEOUT",
  /** The lock server (Redis/Valkey or the database) is unreachable. */
  UNAVAILABLE: "T4_ERR_LOCK_UNAVAILABLE",
  /** A bad name, TTL or wait. */
  ARGUMENT: "T4_ERR_LOCK_ARGUMENT",
  /** The backend's npm package is not installed. */
  DRIVER_MISSING: "T4_ERR_LOCK_DRIVER_MISSING",
} as const;

export type LockErrorCodeValue = (typeof LockErrorCode)[keyof typeof LockErrorCode];

export class LockError extends codedError<LockErrorCodeValue>() {}
