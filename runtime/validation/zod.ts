import { packageRequire } from "../package-require.js";
import type * as Zod from "zod";

type ZodNamespace = typeof Zod.z;
let loaded: ZodNamespace | undefined;

/**
 * zod, loaded on first use. Loading it costs ≈ 40 ms, which an app that declares no schema
 * should not pay at every start (production start and dev reload are benchmarked).
 */
export function loadZod(): ZodNamespace {
  return (loaded ??= (packageRequire()("zod") as typeof Zod).z);
}

/**
 * `z` as apps import it from "tina4": zod's own namespace, loaded on first property access.
 * The namespace below gives the most used type helpers (`z.infer<typeof Schema>`, ...).
 */
export const z: ZodNamespace = new Proxy(Object.create(null) as ZodNamespace, {
  get: (_target, key) => Reflect.get(loadZod(), key),
  has: (_target, key) => key in loadZod(),
  ownKeys: () => Reflect.ownKeys(loadZod()),
  getOwnPropertyDescriptor: (_target, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(loadZod(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});

export declare namespace z {
  export type infer<T> = Zod.infer<T>;
  export type input<T> = Zod.input<T>;
  export type output<T> = Zod.output<T>;
  export type ZodType<Output = unknown, Input = unknown> = Zod.ZodType<Output, Input>;
  export type ZodTypeAny = Zod.ZodType;
  export type ZodRawShape = Zod.ZodRawShape;
  export type ZodObject<Shape extends Zod.ZodRawShape = Zod.ZodRawShape> = Zod.ZodObject<Shape>;
  export type ZodError<T = unknown> = Zod.ZodError<T>;
}
