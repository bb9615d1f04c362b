import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { defineConformance } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "t4-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
defineConformance("sqlite", `sqlite:${join(dir, "conformance.db")}`, { server: false });
