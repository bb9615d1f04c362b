import { Tina4Error } from "../errors.js";

/** Raised at route registration time: bad pattern, unknown param type, bad handler. */
export class RouterError extends Tina4Error {}
