/**
 * The interactive console: node:repl in the main context with history in a file, `.reload`,
 * and a promise that settles when the user leaves (`.exit`, Ctrl-D, Ctrl-C twice).
 */
import repl, { type REPLServer, type ReplOptions } from "node:repl";
import { HISTORY_SIZE, readHistory, writeHistory } from "./history.js";

export interface SessionOptions {
  prompt: string;
  colors: boolean;
  /** The history file, or null for none. */
  history: string | null;
  /** `.reload`: re-imports the app's models and returns what to print (it never rejects). */
  reload: () => Promise<string>;
}

/** Starts the REPL on the terminal; resolves once it closed. */
export function runSession(options: SessionOptions): Promise<void> {
  // breakEvalOnSigint: Ctrl-C ends an await that never settles (a query waiting on a lock) and returns to the prompt
  const settings = { prompt: options.prompt, useGlobal: true, useColors: options.colors, historySize: HISTORY_SIZE, breakEvalOnSigint: true };
  const server = repl.start(settings as ReplOptions);
  if (options.history) keepHistory(server, options.history);
  server.defineCommand("reload", {
    help: "Re-import src/models (and the files they import) after editing them",
    action() {
      this.clearBufferedCommand();
      void options.reload().then((text) => {
        console.log(text);
        this.displayPrompt();
      });
    },
  });
  return new Promise((resolve) => server.once("exit", resolve));
}

/** Loads the file's lines into the prompt's history and rewrites the file whenever a line is added. */
function keepHistory(server: REPLServer, file: string): void {
  const lines = readHistory(file);
  const terminal = server as unknown as { history?: string[] };
  if (Array.isArray(terminal.history)) terminal.history.push(...lines); // readline keeps newest first, as the file does
  server.on("history", (history: string[]) => {
    writeHistory(file, history);
  });
}
