// Response validation: a server that answers wrong must not post a number.
import { request } from "node:http";

/** One GET; resolves { status, headers, body }. */
export function fetchOnce(port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Throws unless GET path answers 200, a JSON content type and exactly `expectedBody`. */
export async function checkResponse(port, path, expectedBody) {
  const res = await fetchOnce(port, path);
  const type = String(res.headers["content-type"] ?? "");
  if (res.status !== 200) throw new Error(`GET ${path}: status ${res.status}, expected 200 (body ${res.body.slice(0, 200)})`);
  if (!type.startsWith("application/json")) throw new Error(`GET ${path}: content-type "${type}", expected application/json`);
  if (res.body !== expectedBody) throw new Error(`GET ${path}: body ${res.body.slice(0, 200)}, expected ${expectedBody}`);
  return res;
}

/** Throws if an autocannon result saw errors, timeouts, non-2xx answers or body mismatches. */
export function checkLoad(result, label) {
  const problems = [];
  if (result.errors) problems.push(`${result.errors} errors`);
  if (result.timeouts) problems.push(`${result.timeouts} timeouts`);
  if (result.non2xx) problems.push(`${result.non2xx} non-2xx responses`);
  if (result.mismatches) problems.push(`${result.mismatches} body mismatches`);
  if (!result.requests || result.requests.total === 0) problems.push("no responses");
  if (problems.length) throw new Error(`${label}: ${problems.join(", ")}`);
}
