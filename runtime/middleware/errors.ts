import { Tina4Error } from "../errors.js";

/** Misuse of the middleware API: double next(), a value that is not middleware. */
export class MiddlewareError extends Tina4Error {}
