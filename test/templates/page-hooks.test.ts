/**
 * A page template is answered through the same pipeline as a route: the app's hooks
 * (onRequest, onSend, onResponse, onSent, onError) and the global middleware (function and
 * class style, before and after) see a page render — and a secured page's 401 — exactly as they
 * see a route that renders the same template.
 */
import { afterAll, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { listen } from "../../runtime/http/server.js";
import { statusOf } from "../../runtime/http/error-response.js";
import { templatesDir } from "./support.js";

const folder = templatesDir({ "pages/open.twig": "<p>open {{ request.path }}</p>", "pages/closed.twig": "<p>closed</p>" }, "t4-page-hooks-");
const events: string[] = [];
let base = "";
let close: () => Promise<unknown> = async () => undefined;

class Audit {
  static beforeAudit(req: { path: string }) {
    events.push(`class-before ${req.path}`);
  }
  static afterAudit(req: { path: string }, res: { statusCode: number }) {
    events.push(`class-after ${req.path} ${res.statusCode}`);
  }
}

const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
app.use(async (req, res, next) => {
  events.push(`mw-before ${req.path} route=${String(req.route)}`);
  try {
    await next();
  } finally {
    events.push(`mw-after ${req.path} ${res.statusCode}`);
  }
}, Audit);
app.addHook("onRequest", (req) => void events.push(`onRequest ${req.path}`));
app.addHook("onSend", (req, res, payload) => void events.push(`onSend ${req.path} ${res.statusCode} ${payload.kind}`));
app.addHook("onResponse", (req, res) => void events.push(`onResponse ${req.path} ${res.statusCode}`));
app.addHook("onSent", (req, res) => void events.push(`onSent ${req.path} ${res.statusCode}`));
app.addHook("onError", (error, req) => void events.push(`onError ${req.path} ${statusOf(error)}`));
// the routes: the same templates, rendered by handlers
app.get("/routed/open", (_req, res) => res.render("pages/open.twig"));
app.get("/routed/closed", (_req, res) => res.render("pages/closed.twig"), { secured: true });
// the pages: /open public, /closed declared secured
app.pages("/closed", { secured: true });

afterAll(async () => {
  await close();
  folder.cleanup();
});

/** The events one request caused, with its path written as PATH (so a route's and a page's compare). */
async function eventsOf(path: string): Promise<{ status: number; events: string[] }> {
  if (!base) {
    const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
    base = `http://127.0.0.1:${server.port}`;
    close = () => server.close();
  }
  events.length = 0;
  const res = await fetch(base + path, { headers: { accept: "application/json" } });
  await res.arrayBuffer();
  // onSent runs once the response has gone out: wait for it, bounded
  for (let i = 0; i < 100 && !events.some((e) => e.startsWith("onSent")); i++) await new Promise((r) => setTimeout(r, 5));
  return { status: res.status, events: events.map((e) => e.replaceAll(path, "PATH")) };
}

describe("page renders go through the hooks and global middleware as routes do", () => {
  it("a public page: the same hooks and middleware, in the same order, as a route rendering the template", async () => {
    const route = await eventsOf("/routed/open");
    const page = await eventsOf("/open");
    expect(page.status).toBe(200);
    expect(page.events).toEqual(route.events);
    // what the sequence holds (so the comparison is not between two empty lists)
    expect(page.events).toEqual([
      "onRequest PATH",
      "mw-before PATH route=PATH",
      "class-before PATH",
      "class-after PATH 200",
      "mw-after PATH 200",
      "onSend PATH 200 data",
      "onResponse PATH 200",
      "onSent PATH 200",
    ]);
  });

  it("a secured page without a user: the 401 reaches onError, the after-hooks and onSend as a secured route's does", async () => {
    const route = await eventsOf("/routed/closed");
    const page = await eventsOf("/closed");
    expect([route.status, page.status]).toEqual([401, 401]);
    expect(page.events).toEqual(route.events);
    expect(page.events).toContain("onError PATH 401");
    expect(page.events).toContain("class-after PATH 200");
    expect(page.events[0]).toBe("onRequest PATH");
    expect(page.events.at(-1)).toBe("onSent PATH 401");
  });
});
