/**
 * The Standard Schema v1 contract (standardschema.dev) as tina4 uses it: any value with a
 * `~standard` property holding `version: 1` and `validate`. zod 4, valibot and arktype all
 * implement it, so tina4 validates through this one interface and never imports a validator.
 * `jsonSchema` is the optional Standard JSON Schema extension (zod 4 implements it), which
 * the OpenAPI document uses.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly "~standard": StandardProps<Input, Output>;
}

export interface StandardProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  readonly jsonSchema?: StandardJsonSchemaConverter | undefined;
}

export interface StandardJsonSchemaConverter {
  readonly input: (options: { target: string; libraryOptions?: Record<string, unknown> }) => Record<string, unknown>;
  readonly output: (options: { target: string; libraryOptions?: Record<string, unknown> }) => Record<string, unknown>;
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The parsed type a schema produces (what the handler sees). */
export type InferOutput<S> = S extends { readonly "~standard": { readonly types?: infer T } } ? (NonNullable<T> extends { readonly output: infer O } ? O : unknown) : never;
/** The type a schema accepts (what the client sends). */
export type InferInput<S> = S extends { readonly "~standard": { readonly types?: infer T } } ? (NonNullable<T> extends { readonly input: infer I } ? I : unknown) : never;

export function isStandardSchema(value: unknown): value is StandardSchema {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return typeof props === "object" && props !== null && (props as StandardProps).version === 1 && typeof (props as StandardProps).validate === "function";
}

/** `items.0.price`: an issue's path as dotted text ("" for the value itself). */
export function issuePath(issue: StandardIssue): string {
  if (!issue.path || issue.path.length === 0) return "";
  return issue.path.map((part) => String(typeof part === "object" && part !== null ? part.key : part)).join(".");
}
