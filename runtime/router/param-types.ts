import { RouterError, RouterErrorCode } from "./errors.js";

/** A typed path parameter: `{id:int}`. `test` validates a decoded segment, `coerce` converts it. */
export interface ParamType {
  readonly name: string;
  /** Lower ranks are tried first when several typed params compete for one segment. */
  readonly rank: number;
  test(segment: string): boolean;
  coerce(segment: string): string | number;
}

const identity = (segment: string): string => segment;

const types: Record<string, ParamType> = {
  int: { name: "int", rank: 0, test: (s) => /^-?\d{1,15}$/.test(s), coerce: (s) => Number(s) },
  uuid: {
    name: "uuid",
    rank: 1,
    test: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
    coerce: identity,
  },
  float: { name: "float", rank: 2, test: (s) => /^-?\d+(?:\.\d+)?$/.test(s), coerce: (s) => Number(s) },
  alpha: { name: "alpha", rank: 3, test: (s) => /^[A-Za-z]+$/.test(s), coerce: identity },
  alnum: { name: "alnum", rank: 4, test: (s) => /^[A-Za-z0-9]+$/.test(s), coerce: identity },
  slug: { name: "slug", rank: 5, test: (s) => /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/.test(s), coerce: identity },
};

export const paramTypeNames = [...Object.keys(types), "path"] as const;

export function paramType(name: string, pattern: string): ParamType {
  const type = types[name];
  if (!type) {
    throw new RouterError(
      RouterErrorCode.PARAM_TYPE,
      `Unknown parameter type "${name}" in route "${pattern}" (valid: ${paramTypeNames.join(", ")})`,
    );
  }
  return type;
}
