import type { ParamType } from "./param-types.js";
import { canonicalPattern, parsePattern, type Segment } from "./pattern.js";

/** What the router stores for one METHOD + pattern. */
export interface RouteEntry<T> {
  readonly method: string;
  readonly pattern: string;
  readonly segments: Segment[];
  readonly paramNames: string[];
  readonly data: T;
}

export type MatchResult<T> =
  | { kind: "found"; entry: RouteEntry<T>; params: Record<string, string | number> }
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "not-found" };

interface TypedChild<T> {
  type: ParamType;
  node: Node<T>;
}

class Node<T> {
  statics: Map<string, Node<T>> | null = null;
  typed: TypedChild<T>[] | null = null;
  param: Node<T> | null = null;
  rest: Node<T> | null = null;
  /** METHOD (or "ANY") → route ending at this node. */
  routes: Map<string, RouteEntry<T>> | null = null;
}

const NOT_FOUND = { kind: "not-found" } as const;

/**
 * A segment trie. Lookup walks one node per path segment, so its cost depends on the
 * path's depth, not on how many routes exist. At each level candidates are tried by
 * precedence (static, typed param, param, catch-all) and the walk backtracks when a
 * branch dead-ends, so registration order never matters. Fully static paths also
 * sit in a Map for a one-step lookup.
 */
export class RouteTrie<T> {
  private readonly root = new Node<T>();
  private readonly staticPaths = new Map<string, Node<T>>();
  private readonly all = new Map<string, RouteEntry<T>>();

  /** Adds a route; returns the entry it replaced (same METHOD + equivalent pattern), if any. */
  add(method: string, pattern: string, data: T): RouteEntry<T> | undefined {
    const segments = parsePattern(pattern);
    let node = this.root;
    let isStatic = true;
    for (const segment of segments) {
      if (segment.kind === "static") {
        node.statics ??= new Map();
        let next = node.statics.get(segment.value);
        if (!next) node.statics.set(segment.value, (next = new Node<T>()));
        node = next;
      } else if (segment.kind === "rest") {
        isStatic = false;
        node = node.rest ??= new Node<T>();
      } else if (segment.type) {
        isStatic = false;
        node.typed ??= [];
        let child = node.typed.find((candidate) => candidate.type === segment.type);
        if (!child) {
          child = { type: segment.type, node: new Node<T>() };
          node.typed.push(child);
          node.typed.sort((a, b) => a.type.rank - b.type.rank);
        }
        node = child.node;
      } else {
        isStatic = false;
        node = node.param ??= new Node<T>();
      }
    }
    const entry: RouteEntry<T> = {
      method,
      pattern,
      segments,
      paramNames: segments.flatMap((s) => (s.kind === "static" ? [] : [s.name])),
      data,
    };
    node.routes ??= new Map();
    const canonical = canonicalPattern(segments);
    const key = `${method} ${canonical}`;
    const previous = this.all.get(key);
    node.routes.set(method, entry);
    this.all.set(key, entry);
    // Only keys a request path can equal verbatim: the app looks a raw path up here before
    // decoding it, so a key with an escape ("/a%20b") would answer a path the segment walk
    // decodes to something else ("/a b"). Such routes are reached by the walk alone.
    if (isStatic && !canonical.includes("%")) this.staticPaths.set(canonical, node);
    return previous;
  }

  /** Number of METHOD + pattern routes. */
  get size(): number {
    return this.all.size;
  }

  entries(): RouteEntry<T>[] {
    return [...this.all.values()];
  }

  /**
   * One-step lookup for fully static paths. Any path may be passed, as received: a hit means
   * `path` is a registered static pattern, hence canonical (a leading "/", no empty or encoded
   * segments, no trailing "/"), and the route is the one the segment walk would have found.
   */
  matchStatic(method: string, path: string): RouteEntry<T> | undefined {
    const node = this.staticPaths.get(path);
    return node ? pick(node, method) : undefined;
  }

  /** Finds the route for METHOD + split, decoded path segments. */
  match(method: string, segments: string[]): MatchResult<T> {
    const values: string[] = [];
    const entry = this.walk(this.root, segments, 0, method, values);
    if (entry) return { kind: "found", entry, params: buildParams(entry, values) };
    const allowed = new Set<string>();
    this.collectAllowed(this.root, segments, 0, allowed);
    if (allowed.size === 0) return NOT_FOUND;
    return { kind: "method-not-allowed", allowed: expandAllowed(allowed) };
  }

  private walk(node: Node<T>, segments: string[], index: number, method: string, values: string[]): RouteEntry<T> | undefined {
    if (index === segments.length) return node.routes ? pick(node, method) : undefined;
    const segment = segments[index]!;
    const staticChild = node.statics?.get(segment);
    if (staticChild) {
      const found = this.walk(staticChild, segments, index + 1, method, values);
      if (found) return found;
    }
    if (node.typed) {
      for (const child of node.typed) {
        if (!child.type.test(segment)) continue;
        values.push(segment);
        const found = this.walk(child.node, segments, index + 1, method, values);
        if (found) return found;
        values.pop();
      }
    }
    if (node.param) {
      values.push(segment);
      const found = this.walk(node.param, segments, index + 1, method, values);
      if (found) return found;
      values.pop();
    }
    if (node.rest?.routes) {
      const found = pick(node.rest, method);
      if (found) {
        values.push(segments.slice(index).join("/"));
        return found;
      }
    }
    return undefined;
  }

  private collectAllowed(node: Node<T>, segments: string[], index: number, allowed: Set<string>): void {
    if (index === segments.length) {
      if (node.routes) for (const method of node.routes.keys()) allowed.add(method);
      return;
    }
    const segment = segments[index]!;
    const staticChild = node.statics?.get(segment);
    if (staticChild) this.collectAllowed(staticChild, segments, index + 1, allowed);
    if (node.typed) {
      for (const child of node.typed) {
        if (child.type.test(segment)) this.collectAllowed(child.node, segments, index + 1, allowed);
      }
    }
    if (node.param) this.collectAllowed(node.param, segments, index + 1, allowed);
    if (node.rest?.routes) for (const method of node.rest.routes.keys()) allowed.add(method);
  }
}

function pick<T>(node: Node<T>, method: string): RouteEntry<T> | undefined {
  const routes = node.routes;
  if (!routes) return undefined;
  return routes.get(method) ?? (method === "HEAD" ? routes.get("GET") : undefined) ?? routes.get("ANY");
}

function buildParams<T>(entry: RouteEntry<T>, values: string[]): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  let valueIndex = 0;
  for (const segment of entry.segments) {
    if (segment.kind === "static") continue;
    const raw = values[valueIndex++]!;
    params[segment.name] = segment.kind === "param" && segment.type ? segment.type.coerce(raw) : raw;
  }
  return params;
}

function expandAllowed(methods: Set<string>): string[] {
  if (methods.has("ANY")) return ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
  const out = new Set(methods);
  if (out.has("GET")) out.add("HEAD");
  out.add("OPTIONS");
  return [...out].sort();
}
