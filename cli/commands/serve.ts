import type { Command } from "commander";
import { listen } from "../../runtime/http/server.js";
import { envInt, envString } from "../../runtime/config/env.js";
import { openProject } from "../project.js";
import { bootApp } from "../boot.js";
import { CliError } from "../errors.js";
import { ui } from "../ui.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";

interface ServeOptions {
  port?: string;
  host?: string;
  production?: boolean;
}

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`Invalid port "${text}" (expected 0-65535)`, "T4_ERR_CLI_PORT");
  return port;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the app (dev mode by default)")
    .option("-p, --port <port>", "port to listen on (TINA4_PORT, 7148)")
    .option("-H, --host <host>", "interface to bind (TINA4_HOST; 127.0.0.1 in dev, 0.0.0.0 in production)")
    .option("--production", "production mode")
    .action(async (options: ServeOptions) => {
      const started = performance.now();
      const project = openProject();
      const dev = !options.production;
      if (!dev) process.env.NODE_ENV ??= "production";
      const port = parsePort(options.port ?? process.env.TINA4_PORT, 7148);
      const host = options.host ?? envString("TINA4_HOST", dev ? "127.0.0.1" : "0.0.0.0");
      const app = await bootApp(project, { dev });
      const server = await listen(app, { port, host }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE") throw new CliError(`Port ${port} is already in use on ${host} (try --port)`, "T4_ERR_CLI_PORT_IN_USE");
        throw error;
      });
      const routeCount = app.routes().length;
      ui.success(`tina4 ${dev ? "dev" : "production"} server on ${ui.cyan(server.url)} ${ui.dim(`(${routeCount} routes, ${Math.round(performance.now() - started)} ms)`)}`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        ui.step(`${signal}: finishing in-flight requests (up to ${envInt("TINA4_SHUTDOWN_TIMEOUT", 30)}s)`);
        const { drained } = await server.close();
        await runShutdownHooks();
        ui.success(drained ? "stopped" : "stopped after the shutdown timeout");
        process.exit(0);
      };
      process.on("SIGTERM", () => void stop("SIGTERM"));
      process.on("SIGINT", () => void stop("SIGINT"));
    });
}
