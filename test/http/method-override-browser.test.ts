/**
 * A real HTML form in headless Chromium: `<form method="post">` with `{{ csrf_field() }}` and
 * `{{ method_field('DELETE') }}` lands in a `del()` route (the browser itself sends POST); the
 * same form without the CSRF field is refused 403 and deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { templatesDir } from "../templates/support.js";
import { useChromium } from "../support/chromium.js";

const folder = templatesDir({
  "post.twig": `<!doctype html><title>post</title>
<h1>{{ title }}</h1>
<form id="delete" method="post" action="/posts/{{ id }}">{{ csrf_field() }}{{ method_field('DELETE') }}<button>Delete</button></form>
<form id="forged" method="post" action="/posts/{{ id }}">{{ method_field('DELETE') }}<button>Delete without token</button></form>`,
  "deleted.twig": `<!doctype html><title>deleted</title><p id="done">deleted {{ id }} as {{ method }} (sent as {{ original }})</p>`,
});

const chromium = useChromium();
let server: RunningServer;
const posts = new Map([[1, "First"], [2, "Second"]]);

beforeAll(async () => {
  process.env.TINA4_SECRET ??= "override-browser-secret-0123456789abcdef-01";
  const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
  app.use(session({ backend: "memory" }));
  app.get("/posts/{id:int}", (req, res) => res.render("post", { id: req.params.id, title: posts.get(Number(req.params.id)) }));
  app.del("/posts/{id:int}", (req, res) => {
    posts.delete(Number(req.params.id));
    return res.render("deleted", { id: req.params.id, method: req.method, original: req.originalMethod });
  }, { secured: false });
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
});

afterAll(async () => {
  await server?.close();
  await closeSessionStores();
  folder.cleanup();
});

describe("form method override in a browser", () => {
  it("a form with method_field('DELETE') and csrf_field() lands in the delete route", async (test) => {
    const page = await (await chromium.context(test)).newPage();
    await page.goto(`${server.url}/posts/1`);
    expect(await page.locator("#delete input[name=_method]").getAttribute("value")).toBe("DELETE");
    const [response] = await Promise.all([page.waitForResponse(`${server.url}/posts/1`), page.click("#delete button")]);
    expect(response.request().method()).toBe("POST"); // what the browser sent
    expect(response.status()).toBe(200);
    expect(await page.locator("#done").textContent()).toBe("deleted 1 as DELETE (sent as POST)");
    expect(posts.has(1)).toBe(false);
  });

  it("the same form without the CSRF field is refused 403 and deletes nothing", async (test) => {
    const page = await (await chromium.context(test)).newPage();
    await page.goto(`${server.url}/posts/2`);
    const [response] = await Promise.all([page.waitForResponse(`${server.url}/posts/2`), page.click("#forged button")]);
    expect(response.request().method()).toBe("POST");
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain("Invalid CSRF token");
    expect(posts.get(2)).toBe("Second");
  });
});
