import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { isThenable, type Endpoint } from "../middleware/compose.js";
import { log } from "../log.js";
import { issuePath, type StandardProps, type StandardResult, type StandardSchema } from "./standard.js";
import { responseSchemaFor, type CheckedRouteSchema } from "./route-schema.js";
import { RequestValidationError, type ValidationIssue, type ValidationLocation } from "./errors.js";
import { fastValidate, type Validate } from "./compile.js";
import { arrayOnlyKeys, wrapSingles } from "./query-arrays.js";

type Result = StandardResult<unknown>;

interface Step {
  readonly in: ValidationLocation;
  readonly validate: Validate;
}

export interface ValidationOptions {
  /** `POST /orders (src/routes/orders/post.ts)`: names the route in response-schema warnings. */
  route: string;
  /** Read per request: response schemas are checked in dev only. */
  isDev: () => boolean;
}

/**
 * Wraps a route's endpoint (its handler) with its schema: every input location is validated,
 * all failures together become one 422, and on success the parsed values (coerced, unknown
 * keys stripped by the schema) replace `req.params/query/body`; validated headers are merged
 * into `req.headers`. It runs after the route's middleware, so an auth 401 wins over a 422.
 * In dev, a JSON answer is then checked against the response schema (a warning, never a failure).
 */
export function validatingEndpoint(schema: CheckedRouteSchema, endpoint: Endpoint, options: ValidationOptions): Endpoint {
  const steps: Step[] = schema.inputs.map((input) => ({ in: input.in, validate: input.in === "query" ? queryValidate(input.schema) : fastValidate(input.schema) }));
  const run: Endpoint = schema.responses.size === 0 ? endpoint : withResponseCheck(schema, endpoint, options);
  if (steps.length === 0) return run;
  return (req, res) => {
    let pending = false;
    const results: Array<Result | Promise<Result>> = new Array(steps.length);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const result = step.validate(read(req, step.in));
      if (isThenable(result)) pending = true;
      results[i] = result;
    }
    if (pending) {
      return Promise.all(results).then((done) => {
        apply(req, steps, done);
        return run(req, res);
      });
    }
    apply(req, steps, results as Result[]);
    return run(req, res);
  };
}

/** A query validator that reads `?tag=a` as ["a"] for keys the schema accepts only as arrays (query-arrays.ts). */
function queryValidate(schema: StandardSchema): Validate {
  const validate = fastValidate(schema);
  let keys: readonly string[] | undefined;
  return (value) => {
    keys ??= arrayOnlyKeys(schema);
    return validate(keys.length === 0 ? value : wrapSingles(value as Record<string, unknown>, keys));
  };
}

function read(req: Request, location: ValidationLocation): unknown {
  switch (location) {
    case "params":
      return req.params;
    case "query":
      return req.query;
    case "body":
      return req.body;
    case "headers":
      return req.headers;
  }
}

/** Throws one 422 listing every issue, or stores every parsed value on the request. */
function apply(req: Request, steps: readonly Step[], results: readonly Result[]): void {
  let issues: ValidationIssue[] | null = null;
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!;
    if (result.issues) {
      issues ??= [];
      for (const issue of result.issues) {
        const path = issuePath(issue);
        // An empty body (Content-Length: 0) leaves req.body undefined: say that, not the schema's "expected object, received undefined".
        const message = path === "" && steps[i]!.in === "body" && req.body === undefined ? `Request body is required: it was empty or missing (${issue.message})` : issue.message;
        issues.push({ in: steps[i]!.in, path, message });
      }
    }
  }
  if (issues) throw new RequestValidationError(issues);
  for (let i = 0; i < results.length; i++) {
    const value = (results[i] as { value: unknown }).value;
    switch (steps[i]!.in) {
      case "params":
        req.params = value as Request["params"];
        break;
      case "query":
        req.query = value as Request["query"];
        break;
      case "body":
        req.body = value;
        break;
      case "headers":
        // Other headers stay readable: validation types and coerces, it does not hide them.
        (req as { headers: unknown }).headers = { ...req.headers, ...(value as object) };
        break;
    }
  }
}

function withResponseCheck(schema: CheckedRouteSchema, endpoint: Endpoint, options: ValidationOptions): Endpoint {
  return (req, res) => {
    const out = endpoint(req, res);
    if (!options.isDev()) return out;
    if (isThenable(out)) return Promise.resolve(out).then(() => checkResponse(schema, res, options.route));
    checkResponse(schema, res, options.route);
    return out;
  };
}

/** Dev only: warns when a JSON answer does not match the response schema of its status. */
export function checkResponse(schema: CheckedRouteSchema, res: Response, route: string): void {
  const payload = res.payload;
  if (payload.kind !== "data") return;
  if (!String(res.headers["content-type"] ?? "").startsWith("application/json")) return;
  const target = responseSchemaFor(schema, res.statusCode);
  if (!target) return;
  let value: unknown;
  try {
    value = JSON.parse(String(payload.data));
  } catch {
    return; // not JSON after all: nothing a JSON schema can say
  }
  const status = res.statusCode;
  const report = (result: Result) => {
    if (!result.issues) return;
    const fields = result.issues.map((issue) => `${issuePath(issue) || "(body)"}: ${issue.message}`).join("; ");
    log.warn(`${route}: response ${status} does not match its response schema — ${fields}`);
  };
  const result = (target["~standard"] as StandardProps).validate(value);
  if (isThenable(result)) result.then(report, (error: unknown) => log.warn(`${route}: response schema check failed: ${String(error)}`));
  else report(result);
}
