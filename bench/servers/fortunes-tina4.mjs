// tina4 rendering the fortunes page with res.render (twig.js through runtime/templates), from
// the built dist/ (or TINA4_BENCH_RUNTIME). Production mode: compiled templates are cached.
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { FORTUNES_PATH, TEMPLATE, TEMPLATES_DIR, pageFortunes, storedFortunes } from "../lib/fortunes.mjs";

const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen } = await import(runtime);

const app = new App({ publicDir: null, dev: false, templatesDir: TEMPLATES_DIR });
const stored = storedFortunes();
app.get(FORTUNES_PATH, (_req, res) => res.render(TEMPLATE, { fortunes: pageFortunes(stored) }));
const server = await listen(app, { port: 0, host: "127.0.0.1" });
announce(server.port);
exitOn(() => server.close());
