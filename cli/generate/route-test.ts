/**
 * The test `tina4 generate route` writes next to each plain route file: it requests the route
 * through the app's whole pipeline with testClient() (in-process, no port) and checks the
 * generated handler's status and body. Kept at test/routes/<path>/<method>.test.ts, mirroring
 * src/routes/<path>/<method>.ts, so generating another method of the same path adds a file
 * instead of colliding with one.
 */
import { join } from "node:path";
import { readTemplate, type PlannedFile } from "../templates.js";

/** A value each parameter type accepts, and what the router hands the handler for it. */
const SAMPLES: Record<string, { segment: string; value: string | number }> = {
  int: { segment: "42", value: 42 },
  float: { segment: "2.5", value: 2.5 },
  uuid: { segment: "123e4567-e89b-42d3-a456-426614174000", value: "123e4567-e89b-42d3-a456-426614174000" },
  alpha: { segment: "abc", value: "abc" },
  alnum: { segment: "abc123", value: "abc123" },
  slug: { segment: "a-slug", value: "a-slug" },
  path: { segment: "a/b", value: "a/b" },
  rest: { segment: "a/b", value: "a/b" },
  // matches no typed parameter (int, uuid, float, alpha, alnum, slug), so a typed sibling folder cannot take the request
  any: { segment: "sample_1", value: "sample_1" },
};

/** A concrete URL for route segments (`[id:int]` → `42`) and the params the handler then sees. */
export function sampleRequest(segments: string[]): { path: string; params: Array<[name: string, value: string | number]> } {
  const params: Array<[string, string | number]> = [];
  const parts = segments.map((segment) => {
    const match = /^\[(\.\.\.)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\]$/.exec(segment);
    if (!match) return segment;
    const sample = SAMPLES[match[1] ? "rest" : (match[3] ?? "any")] ?? SAMPLES.any!;
    params.push([match[2]!, sample.value]);
    return sample.segment;
  });
  return { path: "/" + parts.join("/"), params };
}

/** `{ method: "GET", path: "/x", params: { id: 42 } }` as TypeScript source (param names are identifiers). */
function expectedBody(method: string, path: string, params: Array<[string, string | number]>): string {
  const paramText = params.length === 0 ? "{}" : `{ ${params.map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join(", ")} }`;
  return `{ method: ${JSON.stringify(method)}, path: ${JSON.stringify(path)}, params: ${paramText} }`;
}

const WRITES = new Set(["post", "put", "patch", "delete"]);

export function planRouteTest(root: string, segments: string[], method: string, options: { urlPath: string; status: string; secureWrites: boolean }): PlannedFile {
  const { path, params } = sampleRequest(segments);
  // an `any` route answers every method: its test asks with GET, which is never secured by default
  const requestMethod = method === "any" ? "get" : method;
  const secured = options.secureWrites && WRITES.has(requestMethod);
  const vars = {
    METHOD: method.toUpperCase(),
    urlPath: options.urlPath,
    call: requestMethod,
    requestPath: JSON.stringify(path),
    status: options.status,
    expected: expectedBody(requestMethod.toUpperCase(), path, params),
  };
  return {
    path: join(root, "test", "routes", ...segments, `${method}.test.ts`),
    contents: readTemplate(secured ? "generate/route/secured.test.ts" : "generate/route/handler.test.ts", vars),
  };
}
