import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { {{runtimeImports}} } from "tina4";
import Product from "../../../src/models/Product";

// Written by `tina4 init --example`: the products page and its forms through the app's whole
// pipeline in-process with testClient(), no port, sent as a browser sends them (form fields, the
// session cookie, the page's CSRF token; the Delete button is a POST with _method=DELETE). The
// test's own state, set before testClient() reads .env (the real environment wins): a throwaway
// SQLite database, in-memory cache and sessions.
const dir = mkdtempSync(join(tmpdir(), "products-page-test-"));
const databaseUrl = `sqlite:${join(dir, "test.db")}`;
process.env.TINA4_DATABASE_URL = databaseUrl;
process.env.TINA4_CACHE_BACKEND = "memory";
process.env.TINA4_SESSION_BACKEND = "memory";

let db: Database;
let browser: TestClient;

beforeAll(async () => {
  db = await Database.connect(databaseUrl);
{{createTables}}
  Model.useDatabase(db);
  browser = await testClient();
});

afterAll(async () => {
  await browser?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET /products as a browser opens it: the HTML and the CSRF token its forms carry. */
async function openPage(client: TestClient): Promise<{ html: string; token: string }> {
  const page = await client.get("/products");
  expect(page.status).toBe(200);
  expect(page.headers["content-type"]).toContain("text/html");
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text())?.[1] ?? "";
  expect(token).not.toBe("");
  return { html: page.text(), token };
}

describe("the products page (/products)", () => {
  it("adds a product from its form: 303 back to the page, which lists it with a notice", async () => {
    const { token } = await openPage(browser);
    const added = await browser.post("/products", { form: { _csrf: token, name: "Teapot", price: "12.50", inStock: "on" } });
    expect(added.status).toBe(303);
    expect(added.headers.location).toBe("/products");
    const [teapot] = await Product.where("name = ?", ["Teapot"]);
    expect(teapot).toMatchObject({ name: "Teapot", price: 12.5, inStock: true });
    const { html } = await openPage(browser);
    expect(html).toContain("Added Teapot");
    expect(html).toContain(`action="/products/${teapot!.id}"`);
  });

  it("says what is wrong with an invalid form and adds nothing", async () => {
    const before = await Product.count();
    const { token } = await openPage(browser);
    const refused = await browser.post("/products", { form: { _csrf: token, name: "", price: "12" } });
    expect(refused.status).toBe(303);
    expect((await openPage(browser)).html).toMatch(/id="error"[^>]*>name: /);
    expect(await Product.count()).toBe(before);
  });

  it("the Delete button (a form POST with _method=DELETE) reaches DELETE /products/{id}, deletes the product and says so", async () => {
    const kettle = await Product.create({ name: "Kettle", price: 30, inStock: false });
    const { html, token } = await openPage(browser);
    expect(html).toContain(`action="/products/${kettle.id}"`);
    expect(html).toContain('name="_method" value="DELETE"');
    const deleted = await browser.post(`/products/${kettle.id}`, { form: { _csrf: token, _method: "DELETE" } });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.location).toBe("/products");
    expect(await Product.find(kettle.id)).toBeNull();
    const after = (await openPage(browser)).html;
    expect(after).toContain("Deleted Kettle");
    expect(after).not.toContain(`action="/products/${kettle.id}"`);
  });

  it("refuses a form without this session's CSRF token (403) and changes nothing, with or without the session cookie", async () => {
    const mug = await Product.create({ name: "Mug", price: 4, inStock: true });
    const { token } = await openPage(browser);
    // this browser, but the form lost its token
    expect((await browser.post(`/products/${mug.id}`, { form: { _method: "DELETE" } })).status).toBe(403);
    // a form posted from another site: no session cookie (SameSite=Lax), at best a token it saw elsewhere
    const stranger = await testClient();
    expect((await stranger.post(`/products/${mug.id}`, { form: { _method: "DELETE", _csrf: token } })).status).toBe(403);
    expect((await stranger.post("/products", { form: { _csrf: token, name: "Forged" } })).status).toBe(403);
    expect(await Product.find(mug.id)).not.toBeNull();
    expect(await Product.where("name = ?", ["Forged"])).toEqual([]);
  });
});
