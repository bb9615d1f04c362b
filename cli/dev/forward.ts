import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";

/** Connection-level headers: they describe one hop and are never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

/** Where a retiring dev worker reaches the serving one: the dev server's own port. */
export function servingAddress(host: string, port: number): { host: string; port: number } {
  // A wildcard bind is reachable on loopback.
  if (host === "0.0.0.0" || host === "") return { host: "127.0.0.1", port };
  if (host === "::" || host === "[::]") return { host: "::1", port };
  return { host: host.replace(/^\[(.*)\]$/, "$1"), port };
}

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  return out;
}

/**
 * Answers `req` through the serving worker: a retiring dev worker sends a request that reaches
 * it on a lingering keep-alive connection to the dev server's port, where it lands on a worker
 * with the current code. After "reload" a browser often reuses such a connection, and an answer
 * from the retiring worker would show the old page. The answer closes this connection.
 * Resolves once the exchange is over (answered, or the client left).
 */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, to: { host: string; port: number }): Promise<void> {
  const over = new Promise<void>((resolve) => res.once("close", () => resolve()));
  res.shouldKeepAlive = false;
  const upstream = request(
    { host: to.host, port: to.port, method: req.method, path: req.url, headers: { ...forwardedHeaders(req.headers), connection: "close" }, agent: false },
    (reply: IncomingMessage) => {
      const headers: string[] = [];
      for (let i = 0; i < reply.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(reply.rawHeaders[i]!.toLowerCase())) headers.push(reply.rawHeaders[i]!, reply.rawHeaders[i + 1]!);
      }
      res.writeHead(reply.statusCode ?? 502, reply.statusMessage, headers);
      reply.pipe(res);
      reply.on("error", () => res.destroy());
    },
  );
  upstream.on("error", (error: Error) => {
    if (res.headersSent) return void res.destroy(error);
    const body = JSON.stringify({ error: "Bad Gateway", message: `the dev server's serving worker did not answer: ${error.message}` });
    res.writeHead(502, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy(); // the client went away
  });
  req.pipe(upstream);
  return over;
}
