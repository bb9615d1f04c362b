import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Type-level test: an app that imports "tina4" (the built declarations in dist/, as an
// editor sees them) gets handler requests typed from its schemas. tsc must accept the
// correct uses and reject each wrong property access with the error TypeScript gives.
const root = resolve(import.meta.dirname, "..", "..");

const shared = `import { z, defineRoute, post, type RouteRequest } from "tina4";
export const schema = {
  params: z.object({ id: z.coerce.number() }),
  query: z.object({ page: z.coerce.number().default(1), active: z.stringbool().optional() }),
  body: z.object({ name: z.string(), items: z.array(z.object({ sku: z.string(), price: z.number() })) }),
  headers: z.object({ "x-tenant": z.string() }),
};
`;

const valid = `${shared}
export default defineRoute({
  schema,
  handler: (req) => {
    const id: number = req.params.id;
    const page: number = req.query.page;
    const active: boolean | undefined = req.query.active;
    const name: string = req.body.name;
    const price: number = req.body.items[0]!.price;
    const tenant: string = req.headers["x-tenant"];
    const agent = req.headers["user-agent"];
    return { id, page, active, name, price, tenant, agent, path: req.path };
  },
});
post("/orders", (req) => req.body.items.map((item) => item.sku.toUpperCase()), { schema: { body: schema.body } });
post("/plain", (req) => req.body, [async (_req, _res, next) => next()]);
export const fileRouteHandler = (req: RouteRequest<typeof schema>) => req.body.name.toUpperCase();
export type Body = z.infer<typeof schema.body>;
export const sample: Body = { name: "a", items: [] };
`;

/** Each wrong use, and the TypeScript error code it must produce. */
const wrong: Record<string, { code: string; source: string }> = {
  "misspelt-body-field.ts": { code: "TS2339", source: `${shared}export default defineRoute({ schema, handler: (req) => req.body.nmae });\n` },
  "number-used-as-string.ts": { code: "TS2339", source: `${shared}export default defineRoute({ schema, handler: (req) => req.query.page.toUpperCase() });\n` },
  "unknown-param.ts": { code: "TS2339", source: `${shared}post("/x/{id}", (req) => req.params.slug, { schema: { params: schema.params } });\n` },
  "wrong-item-field.ts": { code: "TS2339", source: `${shared}export const f = (req: RouteRequest<typeof schema>) => req.body.items[0]?.cost;\n` },
  "inferred-type-mismatch.ts": { code: "TS2322", source: `${shared}export const b: z.infer<typeof schema.body> = { name: 1, items: [] };\n` },
};

describe("handler types are inferred from the schema", () => {
  it("tsc accepts correct uses and rejects every wrong property access", () => {
    expect(existsSync(join(root, "dist", "runtime", "index.d.ts")), "run `node scripts/build.mjs` first").toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "tina4-types-"));
    try {
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(root, join(dir, "node_modules", "tina4"), "dir");
      symlinkSync(join(root, "node_modules", "@types"), join(dir, "node_modules", "@types"), "dir");
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"] }, include: ["*.ts"] }),
      );
      writeFileSync(join(dir, "valid.ts"), valid);
      for (const [name, { source }] of Object.entries(wrong)) writeFileSync(join(dir, name), source);
      const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
      const run = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: dir, encoding: "utf8" });
      const errors = run.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
      expect(run.status).not.toBe(0);
      expect(errors.filter((line) => line.startsWith("valid.ts")), run.stdout).toEqual([]);
      for (const [name, { code }] of Object.entries(wrong)) {
        const own = errors.filter((line) => line.startsWith(name));
        expect(own.length, `${name}: ${run.stdout}`).toBe(1);
        expect(own[0]).toContain(`error ${code}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
