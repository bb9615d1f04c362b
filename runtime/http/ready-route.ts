import { checkReadiness } from "../ready.js";
import type { Response } from "./response.js";

/**
 * `GET /__ready` (SPEC §3): 200 `{"status":"ok","checks":{...}}` when the app can serve,
 * 503 `{"status":"unavailable","checks":{...}}` while it drains (shutting down) or while a
 * registered check fails (runtime/ready.ts: the configured database, a network cache, a dev
 * app that does not load). Dev adds `reasons` (the failures' messages); production leaves
 * them to the log, since they can name internal hosts.
 */
export async function answerReady(res: Response, draining: boolean, dev: boolean): Promise<void> {
  res.header("cache-control", "no-store");
  if (draining) {
    res.json({ status: "unavailable", checks: { server: "draining" } }, 503);
    return;
  }
  const report = await checkReadiness();
  const body: Record<string, unknown> = { status: report.ready ? "ok" : "unavailable", checks: { server: "ok", ...report.checks } };
  if (dev && !report.ready) body.reasons = report.reasons;
  res.json(body, report.ready ? 200 : 503);
}
