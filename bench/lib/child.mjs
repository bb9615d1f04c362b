// Shared plumbing for benchmark server children: announce the bound port on stdout as one
// JSON line, exit cleanly on SIGTERM/SIGINT (so --cpu-prof can write its profile), and exit
// if the parent goes away (stdin closes) so no server outlives a crashed run.

/** Prints the ready line the runner waits for. */
export function announce(port, extra = {}) {
  process.stdout.write(`${JSON.stringify({ ready: true, port, pid: process.pid, ...extra })}\n`);
}

/** Installs the shutdown handlers; `close` may return a promise. */
export function exitOn(close) {
  let exiting = false;
  const stop = () => {
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => process.exit(0), 1000);
    timer.unref();
    Promise.resolve()
      .then(close)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
}
