/**
 * The public API of tina4: everything an app imports from "tina4".
 */
import { App, type Handler, type RouteThird } from "./app.js";
import type { Middleware } from "./middleware/types.js";
import type { Params } from "./http/request.js";
import type { RouteSchema } from "./validation/route-schema.js";
import type { RouteOptions, SchemaHandler } from "./validation/types.js";
import type { PageOptions } from "./templates/page-access.js";
import { onShutdown } from "./lifecycle.js";
import { closeAllCaches } from "./cache/factory.js";
import { closeCache } from "./cache/kv.js";
import { closeResponseCaches } from "./middleware/response-cache.js";
import { closeRateLimitStores } from "./middleware/rate-limit.js";
import { closeSessionStores } from "./session/store.js";
import type { WebSocketHandlers, WebSocketOptions } from "./realtime/types.js";

export type { PageOptions } from "./templates/page-access.js";
export { App, type AppOptions, type Handler, type Method, type RouteInfo, type RouteMeta, type RouteOptions, type RouteThird, type RouteDefinitionInfo } from "./app.js";
export { z } from "./validation/zod.js";
export { defineRoute, type DefinedRoute, type RouteDefinition } from "./validation/define-route.js";
export { RequestValidationError, SchemaError, ValidationErrorCode, type ValidationIssue, type ValidationLocation } from "./validation/errors.js";
export type { RouteSchema, ResponseSchemas } from "./validation/route-schema.js";
export type { RouteRequest, SchemaHandler } from "./validation/types.js";
export type { StandardSchema, InferInput, InferOutput } from "./validation/standard.js";
export { buildOpenApiDocument, type OpenApiDocument } from "./openapi/document.js";
export { modelSchema, type ModelSchema, type ModelSchemaMode, type ModelShape } from "./orm/schema.js";
export type { OpenApiOptions } from "./openapi/types.js";
export type { OpenApiConfig } from "./openapi/settings.js";
export { Request, type UploadedFile, type Params } from "./http/request.js";
export type { Response, HeaderValue, ResponseBody } from "./http/response.js";
export { addSendHook, type HookName, type OnRequestHook, type OnSendHook, type OnResponseHook, type OnSentHook, type SentResponse, type OnErrorHook, type NotFoundHandler } from "./http/hooks.js";
export type { CookieOptions } from "./http/cookies.js";
export { HttpError } from "./http/errors.js";
export { listen, createHttpServer, type ListenOptions, type RunningServer } from "./http/server.js";
export type { Middleware, MiddlewareFunction, MiddlewareClass, Next } from "./middleware/types.js";
export { compose } from "./middleware/compose.js";
export { MiddlewareError } from "./middleware/errors.js";
export { cors, type CorsOptions } from "./middleware/cors.js";
export { securityHeaders, type SecurityHeadersOptions } from "./middleware/security-headers.js";
export { requestLogger, type RequestLoggerOptions, type RequestLogEntry } from "./middleware/request-logger.js";
export { rateLimit, type RateLimitOptions } from "./middleware/rate-limit.js";
export { loginThrottle, type LoginThrottleOptions } from "./middleware/login-throttle.js";
export { compress, type CompressOptions, type CompressEncoding } from "./middleware/compress.js";
export { etag } from "./middleware/etag.js";
export { session, SESSION_COOKIE, type SessionOptions } from "./session/middleware.js";
export { signToken, verifyToken, type SignTokenOptions, type VerifyTokenOptions, type TokenAlgorithm } from "./auth/tokens.js";
export { hashPassword, verifyPassword, needsRehash, type PasswordParameters } from "./auth/passwords.js";
export { generateSecret } from "./auth/secret.js";
export { AuthError, AuthErrorCode } from "./auth/errors.js";
export type { AuthUser, AuthMethod, TokenPayload, SessionApi as Session } from "./auth/types.js";
export { responseCache, clearCache, type ResponseCacheOptions } from "./middleware/response-cache.js";
export { RouterError } from "./router/errors.js";
export { TemplateError, TemplateErrorCode } from "./templates/errors.js";
export type { ViewRenderer } from "./http/response.js";
export {
  cacheGet,
  cacheGetMany,
  cacheSet,
  cacheDelete,
  cacheClear,
  cacheStats,
  remember,
  configureCache,
  closeCache,
  closeAllCaches,
  createCache,
  CacheError,
  type CacheBackend,
  type CacheStats,
  type CacheLookup,
  type BackendName,
  type CreateCacheOptions,
} from "./cache/index.js";
export { onShutdown } from "./lifecycle.js";
export { logger as log, configureLogger, type Logger, type LoggerSettings, type LogFormat } from "./ops/logger.js";
import { registerSharedApp } from "./ops/boot.js";
export { testClient, type TestClient, type TestClientOptions, type TestRequestOptions, type TestResponse } from "./ops/test-client.js";
export { OpsError, OpsErrorCode } from "./ops/errors.js";
export { addReadinessCheck, type ReadinessCheck, type ReadinessCheckOptions } from "./ready.js";
export {
  Database,
  DatabaseResult,
  DatabaseError,
  DbErrorCode,
  type ColumnInfo,
  type DatabaseCacheStats,
  type DatabaseOptions,
  type Engine,
  type ExecuteResult,
  type FetchOneOptions,
  type FetchOptions,
  type InsertResult,
  type Paginated,
  type Row,
  type SqlParams,
  type SqlValue,
  type WhereClause,
  type WriteResult,
  type QueryCacheOptions,
  runInRequestScope,
} from "./db/index.js";
export { Tina4Error } from "./errors.js";
export type { Socket, SocketMessage, WebSocketHandlers, WebSocketOptions, SlowClientPolicy } from "./realtime/types.js";
export type { SseStream, SseOptions, SseSendOptions } from "./realtime/sse.js";
export { broadcast, type BroadcastOptions } from "./realtime/hub.js";
export { publish, subscribe, type Unsubscribe } from "./realtime/bus/bus.js";
import "./realtime/bus/readiness.js"; // registers the "pubsub" check of GET /__ready (TINA4_PUBSUB_URL; not from bus.ts: the HTTP core loads the bus and must not reach the cache)
export { RealtimeError, RealtimeErrorCode } from "./realtime/errors.js";
export { loadEnvFiles } from "./config/env.js";
export {
  Model, ValidationError, ModelError, ModelErrorCode, PaginationError, belongsTo, hasMany, hasOne, DEFAULT_PER_PAGE, DEFAULT_MAX_PER_PAGE,
  type ModelFields, type FieldDefinition, type FieldType, type FieldError, type QueryOptions, type ModelClass, type FindOptions, type WhereOptions, type RecordOf,
  type BelongsTo, type HasMany, type HasOne, type Relation, type RelationMap, type RelationName, type Loaded, type PaginateOptions, type PageMeta, type PageInput, type Page,
} from "./orm/index.js";
export { migrate, rollbackMigrations, migrationStatus, splitSql, MigrationError, MigrateErrorCode, type MigrationEvent, type MigrationOptions, type MigrateResult, type RollbackOptions, type RollbackResult, type MigrationStatus, type MigrationStatusEntry } from "./migrate/index.js";
export { runSeeders, SeedError, SeedErrorCode, type Seeder, type SeedEvent, type SeedOptions, type SeedResult } from "./seed/index.js";
export { queue, Queue, configureQueue, closeQueues, testJob, QueueError, QueueErrorCode, type BulkJob, type Job, type JobCounts, type JobInfo, type JobOptions, type JobState, type Processor, type TestJob, type TestJobOptions, type QueueConfig } from "./jobs/index.js";
export { lock, tryLock, configureLock, closeLocks, LockError, LockErrorCode, type LockContext, type LockOptions, type LockSettings, type TryLockResult } from "./lock/index.js";

/**
 * The app that `tina4 serve` runs. Top-level `get/post/...` register on it, so route
 * files only need `import { get } from "tina4"`.
 */
export const app: App = new App();
registerSharedApp(app);

// Graceful shutdown closes cache connections after the server has drained.
onShutdown(async () => {
  await closeResponseCaches();
  await closeRateLimitStores();
  await closeSessionStores();
  await closeCache(); // the KV cache: its next call opens a new one (testClient().close() may come before more requests)
  await closeAllCaches();
}, { keep: true });

export function get<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function get<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function get(path: string, handler: Handler, third?: RouteThird): App {
  return app.get(path, handler, third);
}
export function post<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function post<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function post(path: string, handler: Handler, third?: RouteThird): App {
  return app.post(path, handler, third);
}
export function put<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function put<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function put(path: string, handler: Handler, third?: RouteThird): App {
  return app.put(path, handler, third);
}
export function patch<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function patch<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function patch(path: string, handler: Handler, third?: RouteThird): App {
  return app.patch(path, handler, third);
}
export function del<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function del<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function del(path: string, handler: Handler, third?: RouteThird): App {
  return app.del(path, handler, third);
}
export function any<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): App;
export function any<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): App;
export function any(path: string, handler: Handler, third?: RouteThird): App {
  return app.any(path, handler, third);
}
export function group(prefix: string, register: (app: App) => void, middleware?: Middleware[]): App {
  return app.group(prefix, register, middleware);
}
export function use(...middleware: Middleware[]): App {
  return app.use(...middleware);
}
/** A WebSocket route on the shared app: `websocket("/chat/{room}", { open, message, close, error }, { secured })`. */
export function websocket<P extends Params = Params>(path: string, handlers: WebSocketHandlers<P>, options?: WebSocketOptions): App {
  return app.websocket(path, handlers, options);
}
/** Secures page templates on the shared app: `pages("/dashboard", { secured: true, middleware })` (docs/templates.md). */
export function pages(prefix: string, options: PageOptions): App {
  return app.pages(prefix, options);
}
