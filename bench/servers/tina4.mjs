// tina4 from the built dist/ (or TINA4_BENCH_RUNTIME: another built runtime/index.js, for
// A/B runs of a local change). Usage: node tina4.mjs [routeCount]
//   no argument → the hello JSON app (one route)
//   N           → N registered routes (REST-like mix, see lib/payload.mjs) including the
//                 parameterised target route the benchmark hits
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH, TARGET_PATTERN, fillerRoutes } from "../lib/payload.mjs";

const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen } = await import(runtime);

const count = process.argv[2] ? Number(process.argv[2]) : 0;
if (process.argv[2] && !(Number.isInteger(count) && count >= 1)) {
  console.error(`tina4 bench server: bad route count ${process.argv[2]}`);
  process.exit(2);
}

const app = new App({ publicDir: null, dev: false });
if (count === 0) {
  app.get(HELLO_PATH, () => HELLO);
} else {
  const fillers = fillerRoutes(count);
  const half = fillers.length >> 1;
  const register = ([method, pattern]) => app[method](pattern, (req) => ({ route: pattern, params: req.params }));
  fillers.slice(0, half).forEach(register);
  app.get(TARGET_PATTERN, (req) => ({ id: req.params.id }));
  fillers.slice(half).forEach(register);
}
const server = await listen(app, { port: 0, host: "127.0.0.1" });
// /__health, /__ready and the like are built in (source "tina4"): report only this script's routes.
const registered = app.routes().filter((route) => route.source !== "tina4").length;
announce(server.port, { routes: registered });
exitOn(() => server.close());
