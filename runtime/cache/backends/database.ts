import type { CacheStore } from "../backend.js";
export interface DatabaseStoreOptions { namespace: string; url: string; connectTimeoutMs: number }
export class DatabaseStore {
  constructor(_options: DatabaseStoreOptions) {}
  async open(): Promise<CacheStore> { throw new Error("todo"); }
}
