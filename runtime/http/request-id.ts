/**
 * Request ids (the `X-Request-ID` every response carries, SPEC §4): the client's own when it
 * sent a well-formed one, else `<8 random chars><4-char counter>` — 12 characters, e.g.
 * `Xq3_b-9K0a7c`.
 *
 * Why 12: V8 builds a string shorter than 13 characters as one flat string, and a longer one
 * as a rope (two halves). Node validates every header value passed to `writeHead` with a
 * regular expression, and V8 runs a regular expression over a rope through a slow runtime
 * call. The former `<16 hex>-<counter>` id (21+ characters) cost ≈ 0.4 µs per request that way;
 * this one costs about what a constant header does (docs/decisions.md, "Request ids").
 *
 * Uniqueness: the 8 random characters are 48 bits (base64url of 6 random bytes), drawn per
 * process and again every 36⁴ = 1,679,616 requests, when the counter wraps; so ids differ
 * across processes and restarts unless two of those draws coincide (birthday odds ≈ 2 × 10⁻³
 * after a million draws).
 */
import { randomBytes } from "node:crypto";

/** What a client-sent id must look like to be kept (anything else gets a fresh id). */
const INCOMING = /^[A-Za-z0-9._:-]{1,128}$/;

/** The counter's low two base-36 digits, precomputed: one short concatenation per id. */
const LOW: readonly string[] = Array.from({ length: 36 * 36 }, (_, i) => i.toString(36).padStart(2, "0"));
const PER_HEAD = LOW.length;
const PER_PREFIX = PER_HEAD * PER_HEAD;

let prefix = "";
/** prefix + the counter's high two digits (10 characters), changed every 1,296 ids. */
let head = "";
let counter = PER_PREFIX; // the first id draws the first prefix

/** A fresh request id. */
export function nextRequestId(): string {
  if (counter % PER_HEAD === 0) {
    if (counter === PER_PREFIX) {
      prefix = randomBytes(6).toString("base64url");
      counter = 0;
    }
    head = prefix + LOW[counter / PER_HEAD];
  }
  return head + LOW[counter++ % PER_HEAD];
}

/** The request's id: a well-formed `X-Request-ID` the client sent, or a fresh one. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && INCOMING.test(incoming) ? incoming : nextRequestId();
}
