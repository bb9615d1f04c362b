import { RouterError, RouterErrorCode } from "./errors.js";
import { paramType, type ParamType } from "./param-types.js";

export type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string; type: ParamType | null }
  | { kind: "rest"; name: string };

/**
 * Parses `/users/{id:int}/files/{...rest}` into segments. Empty segments are dropped so
 * `/a//b/` and `/a/b` are the same pattern. `{p:path}` is a named catch-all.
 */
export function parsePattern(pattern: string): Segment[] {
  if (typeof pattern !== "string" || !pattern.startsWith("/")) {
    throw new RouterError(RouterErrorCode.PATTERN, `Route path must start with "/": ${JSON.stringify(pattern)}`);
  }
  const segments: Segment[] = [];
  const names = new Set<string>();
  const parts = pattern.split("/").filter((part) => part !== "");
  parts.forEach((part, index) => {
    const match = /^\{(\.\.\.)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}$/.exec(part);
    if (!match) {
      if (/[{}]/.test(part)) {
        throw new RouterError(RouterErrorCode.PATTERN, `Malformed parameter "${part}" in route "${pattern}"`);
      }
      segments.push({ kind: "static", value: part });
      return;
    }
    const [, spread, name, typeName] = match as unknown as [string, string | undefined, string, string | undefined];
    if (names.has(name)) {
      throw new RouterError(RouterErrorCode.PATTERN, `Duplicate parameter "${name}" in route "${pattern}"`);
    }
    names.add(name);
    const isRest = spread !== undefined || typeName === "path";
    if (isRest) {
      if (index !== parts.length - 1) {
        throw new RouterError(RouterErrorCode.PATTERN, `Catch-all "${part}" must be the last segment of "${pattern}"`);
      }
      if (spread && typeName) paramType(typeName, pattern); // still reject unknown types
      segments.push({ kind: "rest", name });
      return;
    }
    segments.push({ kind: "param", name, type: typeName ? paramType(typeName, pattern) : null });
  });
  return segments;
}

/** Canonical text of a pattern, so `/a/{x}` and `/a/{y}` are recognised as the same route. */
export function canonicalPattern(segments: Segment[]): string {
  if (segments.length === 0) return "/";
  return segments
    .map((segment) => {
      if (segment.kind === "static") return "/" + segment.value;
      if (segment.kind === "rest") return "/{...}";
      return segment.type ? `/{:${segment.type.name}}` : "/{}";
    })
    .join("");
}

/** Converts a file-route folder segment (`[id]`, `[id:int]`, `[...rest]`) to pattern syntax. */
export function fileSegmentToPattern(segment: string): string {
  const match = /^\[(\.\.\.)?([^\]]+)\]$/.exec(segment);
  if (!match) return segment;
  return `{${match[1] ?? ""}${match[2]}}`;
}
