/**
 * The dev load-error answer (cli/dev/error-page.ts) negotiates as tina4's error pages do
 * (runtime/http/accepts.ts): the HTML page for a browser page load, JSON for fetch(), curl,
 * XHR and a client that ranks JSON as high as HTML. Each request on a new connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp } from "../support/http.js";
import { freshRequest } from "../support/fresh-request.js";
import { answerLoadError } from "../../cli/dev/error-page.js";

let server: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  server = await startApp((app) => app.get("/", (req, res) => answerLoadError(req, res, { message: "Expected <b>", file: "src/routes/x/get.ts", line: 2, column: 3 })));
});
afterAll(() => server.close());

describe("the dev load-error answer", () => {
  it("is the HTML page for a Chromium page load, escaped", async () => {
    const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";
    const res = await freshRequest(`${server.url}/`, { headers: { accept } });
    expect([res.status, res.headers["content-type"]]).toEqual([500, "text/html; charset=utf-8"]);
    expect(res.body).toContain("src/routes/x/get.ts:2:3");
    expect(res.body).toContain("Expected &lt;b&gt;");
  });

  it.each([
    ["*/*", {}],
    ["a tie", { accept: "application/json, text/html" }],
    ["an XHR", { accept: "text/html", "x-requested-with": "XMLHttpRequest" }],
  ])("is JSON for %s", async (_name, headers) => {
    const res = await freshRequest(`${server.url}/`, { headers: { accept: "*/*", ...headers } });
    expect([res.status, res.headers["content-type"]]).toEqual([500, "application/json; charset=utf-8"]);
    expect(res.json()).toMatchObject({ code: "T4_ERR_DEV_LOAD", file: "src/routes/x/get.ts", line: 2 });
  });
});
