/**
 * MongoDB through the official driver: one collection (default `tina4_cache`) in the URL's
 * database (default `tina4`), documents `{_id: "<namespace>:<key>", ns, v, e}` with a TTL
 * index on `e` (MongoDB deletes expired documents within about a minute; reads check `e`
 * themselves, so expiry is exact). `clear` deletes by `ns`.
 *
 * NOT YET VERIFIED AGAINST A SERVER: no MongoDB server can run on the build machines; the
 * test suite runs this store only when TINA4_TEST_MONGODB_URL is set.
 */
import { loadDriver } from "../../drivers.js";
import { log } from "../../log.js";
import type { CacheStore } from "../backend.js";
import { CacheError, CacheErrorCode } from "../errors.js";
import { SharedConnections, redactUrl } from "../shared.js";

interface CacheDocument {
  _id: string;
  ns: string;
  v: string;
  e: Date | null;
}

interface Collection {
  findOne(filter: Record<string, unknown>): Promise<CacheDocument | null>;
  replaceOne(filter: Record<string, unknown>, doc: CacheDocument, options: { upsert: boolean }): Promise<unknown>;
  deleteOne(filter: Record<string, unknown>): Promise<{ deletedCount: number }>;
  deleteMany(filter: Record<string, unknown>): Promise<unknown>;
  countDocuments(filter: Record<string, unknown>): Promise<number>;
  findOneAndUpdate(filter: Record<string, unknown>, update: Array<Record<string, unknown>>, options: { upsert: boolean; returnDocument: "after" }): Promise<{ n?: unknown } | null>;
  createIndex(spec: Record<string, number>, options: Record<string, unknown>): Promise<unknown>;
}

interface MongoClient {
  connect(): Promise<unknown>;
  db(name?: string): { collection(name: string): Collection; command(cmd: Record<string, unknown>): Promise<unknown> };
  close(): Promise<void>;
}

interface MongoModule {
  MongoClient: new (url: string, options: Record<string, unknown>) => MongoClient;
}

export interface MongoStoreOptions {
  namespace: string;
  /** mongodb:// or mongodb+srv:// URL; the path names the database (default "tina4"). */
  url: string;
  collection?: string;
  connectTimeoutMs?: number;
}

const connections = new SharedConnections<MongoClient>(async (key) => {
  const [url, timeout] = JSON.parse(key) as [string, number];
  const mongodb = await loadDriver<MongoModule>("mongodb");
  if (!mongodb) throw new CacheError(CacheErrorCode.DRIVER_MISSING, "the mongodb cache backend needs the npm package \"mongodb\": npm install mongodb");
  const client = new mongodb.MongoClient(url, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout });
  try {
    await client.connect();
    await client.db().command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new CacheError(CacheErrorCode.UNREACHABLE, `mongodb server ${redactUrl(url)} is unreachable: ${(error as Error).message}`, { cause: error });
  }
  return client;
}, (client) => client.close());

function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/i.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : "tina4";
}

const indexed = new Set<string>();

export class MongoStore implements CacheStore {
  readonly backend = "mongodb" as const;
  readonly namespace: string;
  #url: string;
  #connectionKey: string;
  #collectionName: string;
  #collection: Collection | undefined;

  constructor(options: MongoStoreOptions) {
    if (!/^mongodb(\+srv)?:\/\//i.test(options.url)) {
      throw new CacheError(CacheErrorCode.BAD_URL, `a mongodb cache URL must start with mongodb:// or mongodb+srv://, got ${redactUrl(options.url)}`);
    }
    this.namespace = options.namespace;
    this.#url = options.url;
    this.#connectionKey = JSON.stringify([options.url, options.connectTimeoutMs ?? 1000]);
    this.#collectionName = options.collection ?? "tina4_cache";
  }

  async open(): Promise<this> {
    if (this.#collection) return this;
    const client = await connections.acquire(this.#connectionKey);
    const collection = client.db(databaseName(this.#url)).collection(this.#collectionName);
    const indexKey = `${this.#url}\n${this.#collectionName}`;
    if (!indexed.has(indexKey)) {
      try {
        await collection.createIndex({ e: 1 }, { expireAfterSeconds: 0, name: "tina4_cache_ttl" });
        await collection.createIndex({ ns: 1 }, { name: "tina4_cache_ns" });
        indexed.add(indexKey);
      } catch (error) {
        log.warn(`cache mongodb: could not create the TTL index (${(error as Error).message}); expired entries are still never served`);
      }
    }
    this.#collection = collection;
    return this;
  }

  #ready(): Collection {
    if (!this.#collection) throw new Error("mongodb store used before open()");
    return this.#collection;
  }

  #id(key: string): string {
    return `${this.namespace}:${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    const doc = await this.#ready().findOne({ _id: this.#id(key) });
    if (!doc || (doc.e !== null && doc.e.getTime() <= Date.now())) return undefined;
    return doc.v;
  }

  async set(key: string, text: string, ttlMs: number): Promise<void> {
    const doc: CacheDocument = { _id: this.#id(key), ns: this.namespace, v: text, e: ttlMs > 0 ? new Date(Date.now() + ttlMs) : null };
    await this.#ready().replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#ready().deleteOne({ _id: this.#id(key) })).deletedCount > 0;
  }

  /**
   * One findOneAndUpdate with an update pipeline: atomic per document. A live counter (a
   * number `n`, not expired) goes up by one and keeps its expiry; anything else restarts at 1
   * with a new expiry. Counters keep `n` instead of `v`, so `get` never reads them.
   */
  async incr(key: string, ttlMs: number): Promise<number> {
    const now = new Date();
    const live = { $and: [{ $isNumber: "$n" }, { $or: [{ $eq: [{ $ifNull: ["$e", null] }, null] }, { $gt: ["$e", now] }] }] };
    const doc = await this.#ready().findOneAndUpdate(
      { _id: this.#id(key) },
      [{ $set: { ns: this.namespace, n: { $cond: [live, { $add: ["$n", 1] }, 1] }, e: { $cond: [live, "$e", ttlMs > 0 ? new Date(now.getTime() + ttlMs) : null] } } }],
      { upsert: true, returnDocument: "after" },
    );
    const count = Number(doc?.n);
    if (!Number.isSafeInteger(count)) throw new Error("mongodb returned no counter");
    return count;
  }

  async clear(): Promise<void> {
    await this.#ready().deleteMany({ ns: this.namespace });
  }

  size(): Promise<number> {
    return this.#ready().countDocuments({ ns: this.namespace, $or: [{ e: null }, { e: { $gt: new Date() } }] });
  }

  async close(): Promise<void> {
    if (!this.#collection) return;
    this.#collection = undefined;
    await connections.release(this.#connectionKey);
  }
}
