import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describeLoadError, formatLoadError } from "../../cli/load-error.js";
import { tempDir } from "../support/cli.js";

/** What Node throws when the dev bundle imports a package the app has not installed. */
async function importMissing(root: string, name: string): Promise<unknown> {
  const bundle = join(root, "node_modules", ".cache", "tina4", "dev", "server.mjs");
  mkdirSync(join(bundle, ".."), { recursive: true });
  writeFileSync(bundle, `import x from ${JSON.stringify(name)};\nexport default x;\n`);
  return import(pathToFileURL(bundle).href).then(() => null, (error: unknown) => error);
}

describe("load errors: a package the app imports but has not installed", () => {
  it("names the package, the npm install that fixes it and the source file importing it (not the bundle)", async () => {
    const root = tempDir("tina4-load-error-");
    mkdirSync(join(root, "src", "routes", "pad"), { recursive: true });
    writeFileSync(join(root, "src", "routes", "pad", "get.ts"), 'import type { Request } from "tina4";\nimport pad from "@acme/tiny-pad/left";\nexport default (_req: Request) => pad("7");\n');
    const thrown = await importMissing(root, "@acme/tiny-pad/left");
    expect((thrown as { code?: string }).code).toBe("ERR_MODULE_NOT_FOUND");

    const described = describeLoadError(thrown, root);
    expect(described).toMatchObject({
      message: "Cannot find package '@acme/tiny-pad': run `npm install @acme/tiny-pad`",
      file: "src/routes/pad/get.ts",
      line: 2,
      column: 17, // the specifier's quote
    });
    expect(described.frame).toContain('> 2 | import pad from "@acme/tiny-pad/left";');
    expect(formatLoadError(described)).not.toContain("server.mjs");
  });

  it("still names the install when no source file shows the import", async () => {
    const root = tempDir("tina4-load-error-");
    const described = describeLoadError(await importMissing(root, "not-installed-pkg"), root);
    expect(described.message).toBe("Cannot find package 'not-installed-pkg': run `npm install not-installed-pkg`");
    expect(described.file).toBeUndefined();
  });
});
