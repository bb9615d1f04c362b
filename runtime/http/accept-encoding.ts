/**
 * Content-coding negotiation (RFC 9110 §12.5.3): which of the codings the server offers the
 * client's `Accept-Encoding` prefers. The client's q-values decide; among equal ones the
 * server's order wins (so `br, gzip` picks the server's first). `*` stands for every coding
 * not named; `identity` is acceptable unless refused by `identity;q=0` or by `*;q=0` without
 * naming it. No header at all means "anything" (RFC 9110), but a server may still send
 * identity, which is what we do: an absent header is how old clients and tools ask for plain
 * bytes in practice.
 */

export interface EncodingChoice {
  /** The coding to apply, or null for none (identity). */
  readonly coding: string | null;
  /** False when the client refused identity (`identity;q=0`, or `*;q=0` without naming identity). */
  readonly identityAcceptable: boolean;
}

const PLAIN: EncodingChoice = { coding: null, identityAcceptable: true };

/** Aliases RFC 9110 §8.4.1.3 says to treat as the coding they name. */
const ALIASES: Record<string, string> = { "x-gzip": "gzip" };

/** Parses `Accept-Encoding` into coding → q (lower-case names; a bad q counts as 0). */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.split(";");
    const name = rawName!.trim().toLowerCase();
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key!.trim().toLowerCase() !== "q") continue;
      const text = (value ?? "").trim();
      q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(text) ? Number(text) : 0;
    }
    const coding = ALIASES[name] ?? name;
    // a coding named twice keeps its best weight
    weights.set(coding, Math.max(q, weights.get(coding) ?? 0));
  }
  return weights;
}

/** The preferred coding among `offered` (server preference order) for this `Accept-Encoding`. */
export function negotiateEncoding(header: string | string[] | undefined, offered: readonly string[]): EncodingChoice {
  if (header === undefined) return PLAIN;
  const weights = parseAcceptEncoding(Array.isArray(header) ? header.join(",") : header);
  const any = weights.get("*");
  const weight = (coding: string): number => weights.get(coding) ?? any ?? 0;
  const identityAcceptable = (weights.get("identity") ?? any ?? 1) > 0;
  let best: string | null = null;
  let bestQ = 0;
  for (const coding of offered) {
    const q = weight(coding);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // identity named with a higher weight than every offered coding: send it as it is
  const identityQ = weights.get("identity");
  if (best !== null && identityQ !== undefined && identityQ > bestQ) best = null;
  return { coding: best, identityAcceptable };
}
