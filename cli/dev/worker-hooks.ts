/**
 * What a dev worker adds to the app, as App hooks (runtime/http/hooks.ts): the live-reload
 * stream and forwarding while it retires, the request log, the load-error page while the app
 * is broken — onRequest hooks added before the app loads, so they run before the app's own —
 * and the live-reload client in HTML pages, an onSend hook added after it loaded, so it sees
 * what the app's onSend hooks made.
 */
import type { App } from "../../runtime/app.js";
import type { Request } from "../../runtime/http/request.js";
import type { LoadError } from "../cluster/protocol.js";
import { answerLoadError } from "./error-page.js";
import { forwardRequest, servingAddress } from "./forward.js";
import { injectLiveClient, LIVE_PATH, type LiveHub } from "./live-reload.js";
import { requestLog } from "./request-log.js";
import { keepHtmlUncompressed } from "../../runtime/middleware/compress.js";

/** The worker's state, read on every request. */
export interface DevWorkerState {
  readonly live: LiveHub;
  readonly host: string;
  readonly port: number;
  /** No request log (`tina4 serve --quiet`). */
  readonly quiet: boolean;
  /** Stopping: responses close their connection. */
  stopping(): boolean;
  /** Retiring after a reload: pages were told to reload, so never answer with the old code. */
  forwarding(): boolean;
  /** Set while the app does not load: requests get the error instead. */
  loadError(): LoadError | null;
}

/** `GET /__health` and `/__ready` stay answerable while the app is broken (/__ready says so). */
function isProbe(req: Request): boolean {
  return req.path === "/__health" || req.path === "/__ready";
}

/** The hooks that must run before the app's own: call before loading the app. */
export function installDevHooks(app: App, state: DevWorkerState): void {
  const log = state.quiet ? null : requestLog();
  const serving = servingAddress(state.host, state.port);
  app.addHook("onRequest", (req, res) => {
    if (state.stopping()) res.raw.shouldKeepAlive = false; // app responses get this from app.draining
    const isLive = req.path === LIVE_PATH;
    if (!isLive && !state.forwarding()) return;
    log?.skip(req); // neither the stream nor a forwarded request is worth a line here
    if (state.forwarding()) return isLive ? state.live.redirectElsewhere(res.raw) : forwardRequest(req.raw, res.raw, serving);
    state.live.subscribe(req.raw, res.raw);
  });
  if (log) app.addHook("onSent", log.onSent);
  app.addHook("onRequest", (req, res) => {
    const error = state.loadError();
    if (error && !isProbe(req)) answerLoadError(req, res, error);
  });
}

/** The live-reload client in HTML pages: call once the app has loaded (its onSend hooks run first). */
export function installLiveClient(app: App): void {
  keepHtmlUncompressed(); // compress() would otherwise encode pages before the client goes in
  app.addHook("onSend", injectLiveClient);
}
