/**
 * testClient() (SPEC §14): requests through the app's whole pipeline in this process, with no
 * port. Each request runs on an in-memory connection (stream.duplexPair) handed to a
 * node:http server that never listens, so parsing, middleware, validation, auth, templates
 * and the response are exactly what a real client gets.
 */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { duplexPair } from "node:stream";
import type { App } from "../app.js";
import { createHttpServer } from "../http/server.js";
import { signToken } from "../auth/tokens.js";
import type { TokenPayload } from "../auth/types.js";
import { bootInProcess, findAppFolder, sharedApp } from "./boot.js";
import { OpsError, OpsErrorCode } from "./errors.js";
import { runShutdownHooks } from "../lifecycle.js";
import { setting } from "../config/settings.js";
import { installMetrics } from "./metrics.js";

export interface TestRequestOptions {
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | Array<string | number>>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent URL-encoded (`application/x-www-form-urlencoded`). */
  form?: Record<string, string | number | boolean>;
  /** Sent as is. */
  body?: string | Buffer;
}

export interface TestResponse {
  status: number;
  /** Lower-case header names; repeated headers (set-cookie) as arrays. */
  headers: Record<string, string | string[]>;
  text(): string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

export interface TestClientOptions {
  /** The app folder (default: the nearest folder from the working directory holding src/routes). */
  root?: string;
  /** Use this app as it is instead of booting one from a folder. */
  app?: App;
}

export interface TestClient {
  get(path: string, options?: TestRequestOptions): Promise<TestResponse>;
  post(path: string, options?: TestRequestOptions): Promise<TestResponse>;
  put(path: string, options?: TestRequestOptions): Promise<TestResponse>;
  patch(path: string, options?: TestRequestOptions): Promise<TestResponse>;
  delete(path: string, options?: TestRequestOptions): Promise<TestResponse>;
  /** A client (with its own copy of the cookies) sending `Authorization: Bearer <token for payload>`. */
  withToken(payload: TokenPayload): Promise<TestClient>;
  /** Same as withToken(user): requests as this user. */
  as(user: TokenPayload): Promise<TestClient>;
  /** The cookies the app has set so far (name → value, decoded as `req.cookies` reads them). */
  readonly cookies: Record<string, string>;
  /**
   * Closes the in-memory connections and runs the app's shutdown hooks, as a graceful shutdown
   * does: database pools, cache, session, bus, queue and lock connections are released, so a
   * script or `node --test` file exits on its own. Whatever reopens on use (pooled database
   * connections, caches) does so if the app is used again.
   */
  close(): Promise<void>;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Boots the app (once per process) and returns a client for it. */
export async function testClient(options: TestClientOptions = {}): Promise<TestClient> {
  let app = options.app;
  if (!app) {
    const root = findAppFolder(options.root ?? process.cwd());
    app = sharedApp();
    await bootInProcess(app, root);
  }
  // GET /__metrics as `tina4 serve` has it (TINA4_METRICS read after .env.test/.env loaded); once per app
  if (setting("TINA4_METRICS")) installMetrics(app);
  return new InProcessClient(createHttpServer(app), new Map(), {});
}

function buildPath(path: string, query: TestRequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const search = params.toString();
  return search ? `${path}${path.includes("?") ? "&" : "?"}${search}` : path;
}

function encodeBody(method: Method, options: TestRequestOptions): { body?: Buffer; type?: string } {
  const given = [options.json !== undefined, options.form !== undefined, options.body !== undefined].filter(Boolean).length;
  if (given > 1) throw new OpsError(OpsErrorCode.BAD_REQUEST_OPTIONS, `${method}: give one of json, form or body, not several`);
  if (given === 1 && method === "GET") throw new OpsError(OpsErrorCode.BAD_REQUEST_OPTIONS, "GET requests have no body: use query");
  if (options.json !== undefined) return { body: Buffer.from(JSON.stringify(options.json)), type: "application/json" };
  if (options.form !== undefined) {
    const form = new URLSearchParams(Object.entries(options.form).map(([key, value]): [string, string] => [key, String(value)]));
    return { body: Buffer.from(form.toString()), type: "application/x-www-form-urlencoded" };
  }
  if (options.body !== undefined) return { body: Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body) };
  return {};
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

/** Applies `Set-Cookie` lines to the jar (an expired or Max-Age=0 cookie is removed). */
function storeCookies(jar: Map<string, string>, setCookie: string[] | undefined): void {
  for (const line of setCookie ?? []) {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = "", raw = ""] = attribute.split("=").map((part) => part.trim());
      if (key.toLowerCase() === "max-age") return Number(raw) <= 0;
      if (key.toLowerCase() === "expires") return Date.parse(raw) <= Date.now();
      return false;
    });
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

function decodeCookieValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not percent-encoding after all: shown as sent
  }
}

class InProcessClient implements TestClient {
  constructor(
    private readonly server: Server,
    private readonly jar: Map<string, string>,
    private readonly extraHeaders: Record<string, string>,
  ) {}

  get cookies(): Record<string, string> {
    // the values the app passed to res.cookie() (and reads from req.cookies), not their percent-encoded form
    return Object.fromEntries([...this.jar].map(([name, value]) => [name, decodeCookieValue(value)]));
  }

  get(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.send("GET", path, options);
  }
  post(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.send("POST", path, options);
  }
  put(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.send("PUT", path, options);
  }
  patch(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.send("PATCH", path, options);
  }
  delete(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.send("DELETE", path, options);
  }

  async withToken(payload: TokenPayload): Promise<TestClient> {
    const token = await signToken(payload);
    return new InProcessClient(this.server, new Map(this.jar), { ...this.extraHeaders, authorization: `Bearer ${token}` });
  }

  as(user: TokenPayload): Promise<TestClient> {
    return this.withToken(user);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await runShutdownHooks();
  }

  private async send(method: Method, path: string, options: TestRequestOptions = {}): Promise<TestResponse> {
    const { body, type } = encodeBody(method, options);
    const headers: Record<string, string> = { host: "testclient.local", ...this.extraHeaders };
    if (type) headers["content-type"] = type;
    if (body) headers["content-length"] = String(body.length);
    if (this.jar.size) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
    Object.assign(headers, Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])));
    return new Promise<TestResponse>((resolve, reject) => {
      const [clientSide, serverSide] = duplexPair();
      // what node:http and the client-IP code read from a real socket
      Object.assign(serverSide, { remoteAddress: "127.0.0.1", remotePort: 0, encrypted: false, setTimeout: () => serverSide, setNoDelay: () => serverSide, setKeepAlive: () => serverSide });
      Object.assign(clientSide, { setTimeout: () => clientSide, setNoDelay: () => clientSide, setKeepAlive: () => clientSide });
      this.server.emit("connection", serverSide);
      const req = httpRequest(
        { method, path: buildPath(path, options.query), headers, createConnection: () => clientSide as unknown as import("node:net").Socket },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            storeCookies(this.jar, res.headers["set-cookie"]);
            const text = Buffer.concat(chunks).toString("utf8");
            clientSide.destroy();
            resolve({
              status: res.statusCode ?? 0,
              headers: plainHeaders(res.headers),
              text: () => text,
              json: <T>() => JSON.parse(text) as T,
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}
