/**
 * Model.paginate behind a real route (a listening server, fetch): the query's page, perPage
 * and sort go straight in; what paginate refuses is a 400 JSON answer naming the parameter,
 * a sort field that is no field a 400 too (it was a 500), and a good page is
 * `{ data, meta }` with its loaded relations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { Model, hasMany, type ModelFields } from "../../runtime/orm/index.js";
import { startApp } from "../support/http.js";
import { tempDir } from "../support/cli.js";

class Book extends Model {
  static override tableName = "books";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    title: { type: "string", required: true },
    secret: { type: "string", hidden: true },
  };
  static override relations = { reviews: hasMany(() => Review, "bookId") };
  declare id: number;
  declare title: string;
}

class Review extends Model {
  static override tableName = "reviews";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    bookId: { type: "int", required: true },
    stars: { type: "int", required: true },
  };
}

let db: Database;
const servers: Array<{ close: () => Promise<unknown> }> = [];

async function serve(dev: boolean): Promise<string> {
  const server = await startApp((app) => {
    app.get("/books", async (req) =>
      Book.paginate({ page: req.query.page, perPage: req.query.perPage, orderBy: req.query.sort, maxPerPage: 50, with: ["reviews"] }));
  }, { dev });
  servers.push(server);
  return server.url;
}

beforeAll(async () => {
  db = await Database.connect(`sqlite:${join(tempDir("tina4-paginate-route-"), "app.db")}`);
  await db.execute("CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(200) NOT NULL, secret VARCHAR(200))");
  await db.execute("CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, book_id INTEGER NOT NULL, stars INTEGER NOT NULL)");
  Model.useDatabase(db);
  for (let n = 1; n <= 7; n++) await Book.create({ title: `Book ${n}`, secret: "s3cret" });
  await db.insert("reviews", [{ book_id: 4, stars: 5 }, { book_id: 4, stars: 3 }]);
});
afterAll(async () => {
  for (const server of servers) await server.close();
  Model.db = undefined;
  await db?.close();
});

describe("GET /books → Book.paginate({ page: req.query.page, perPage: req.query.perPage, orderBy: req.query.sort })", () => {
  it("answers a page as { data, meta } with its loaded relations, hidden fields left out", async () => {
    const url = await serve(false);
    const response = await fetch(`${url}/books?page=2&perPage=3`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: [
        { id: 4, title: "Book 4", reviews: [{ id: 1, bookId: 4, stars: 5 }, { id: 2, bookId: 4, stars: 3 }] },
        { id: 5, title: "Book 5", reviews: [] },
        { id: 6, title: "Book 6", reviews: [] },
      ],
      meta: { page: 2, perPage: 3, total: 7, lastPage: 3 },
    });
    const sorted = (await (await fetch(`${url}/books?perPage=2&sort=-title`)).json()) as { data: Array<{ id: number }> };
    expect(sorted.data.map((b) => b.id)).toEqual([7, 6]);
  });

  const refused: Array<[string, string, string]> = [
    ["?page=0", "page", 'page must be a whole number of at least 1, got "0"'],
    ["?page=two", "page", 'page must be a whole number of at least 1, got "two"'],
    ["?page=1&page=2", "page", "page must be given once, got 2 values"],
    ["?perPage=51", "perPage", "perPage must be at most 50, got 51"],
    ["?perPage=-3", "perPage", 'perPage must be a whole number of at least 1, got "-3"'],
  ];
  for (const [query, parameter, message] of refused) {
    it(`${query} → 400 JSON naming ${parameter}, in production too`, async () => {
      const url = await serve(false);
      const response = await fetch(`${url}/books${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: message, code: "T4_ERR_ORM_PAGINATION", parameter, requestId: response.headers.get("x-request-id") });
    });
  }

  it("?sort=<not a field> → 400 T4_ERR_ORM_ORDER_BY (the fields listed in dev only), not a 500", async () => {
    const production = await fetch(`${await serve(false)}/books?sort=secret%20desc;`);
    expect(production.status).toBe(400);
    expect(await production.json()).toEqual({ error: "Bad Request", code: "T4_ERR_ORM_ORDER_BY", requestId: production.headers.get("x-request-id") });
    const dev = await fetch(`${await serve(true)}/books?sort=nope`);
    expect(dev.status).toBe(400);
    expect(await dev.json()).toMatchObject({ code: "T4_ERR_ORM_ORDER_BY", message: 'Book: cannot order by "nope"; use a field name (id, title) with optional asc/desc or a leading "-"' });
  });

  it("?sort=<a hidden field> → 400: its order would show how the secret values compare", async () => {
    const url = await serve(false);
    for (const sort of ["secret", "-secret", "secret desc", "title,secret"]) {
      const response = await fetch(`${url}/books?sort=${encodeURIComponent(sort)}`);
      expect(response.status, sort).toBe(400);
      expect(await response.json()).toMatchObject({ code: "T4_ERR_ORM_ORDER_BY" });
    }
    expect((await fetch(`${url}/books?sort=-title`)).status).toBe(200);
  });
});
