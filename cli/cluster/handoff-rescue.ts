/**
 * Connections in transit to a worker that dies (SIGKILL, the OOM killer, a native crash).
 *
 * node:cluster's round-robin primary accepts each connection and hands it to a worker in an
 * IPC `newconn` message, keeping its own copy of the socket until the worker answers
 * `accepted`. A worker that dies before answering never does, and node:cluster gives the
 * primary no way to take the connection back: it stayed open, unread, in the primary — its
 * client waited for its own timeout and the primary leaked the descriptor. (Planned exits
 * cannot lose one: see leaveCluster() in worker.ts.)
 *
 * So the primary watches the hand-offs on each worker's IPC channel (the `send` of the
 * worker's ChildProcess and its `internalMessage` events, where node:cluster's own messages
 * pass) and, once a dead worker's channel is closed — every answer it wrote has been read by
 * then — answers each unanswered hand-off itself with "not accepted", as a worker does that
 * closed its server: node:cluster gives the connection to another worker. That is safe for
 * any request, a POST too: a worker writes its answer before it reads from a connection, so
 * the dead one never read a byte of these (short of a channel so backed up that the answer
 * was still queued in the worker, which would take a stalled primary). When no other worker
 * serves, the connection is closed instead, and its client sees that at once.
 */
import cluster, { type Worker } from "node:cluster";
import type { ChildProcess } from "node:child_process";

/** A message of node:cluster's own protocol (`cmd: "NODE_CLUSTER"`), as far as we read it. */
interface ClusterMessage {
  cmd: "NODE_CLUSTER";
  act?: unknown;
  seq?: unknown;
  ack?: unknown;
}

/** The primary's copy of a connection handed to a worker (a native TCP handle). */
interface ConnectionHandle {
  close: () => void;
}

export interface RescueReport {
  worker: Worker;
  /** Unanswered hand-offs given to another worker. */
  handedOn: number;
  /** Unanswered hand-offs closed (no other worker serving). */
  closed: number;
}

function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === "object" && message !== null && (message as { cmd?: unknown }).cmd === "NODE_CLUSTER";
}

function isHandle(handle: unknown): handle is ConnectionHandle {
  return typeof handle === "object" && handle !== null && typeof (handle as { close?: unknown }).close === "function";
}

/** Workers whose server is in node:cluster's round-robin: they said `listening` and have not closed it. */
const serving = new Set<Worker>();

/**
 * Watches `worker`'s hand-offs from now on; calls `onRescue` when it died with some unanswered.
 * Inert when connections are not handed out (SCHED_NONE: workers accept themselves).
 */
export function rescueHandoffs(worker: Worker, onRescue: (report: RescueReport) => void = () => undefined): void {
  const child = worker.process;
  /** Hand-offs not answered yet, by node:cluster's sequence number. */
  const inTransit = new Map<unknown, ConnectionHandle>();
  const send = child.send;
  if (typeof send !== "function") return; // no IPC channel: nothing is ever handed over
  child.send = function (this: ChildProcess, ...args: unknown[]): boolean {
    const [message, handle] = args;
    if (isClusterMessage(message) && message.act === "newconn" && isHandle(handle)) inTransit.set(message.seq, handle);
    return (send as (...args: unknown[]) => boolean).apply(this, args);
  } as ChildProcess["send"];
  // After node:cluster's own listener (added by fork), so we see what it has just done.
  child.on("internalMessage", (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.ack !== undefined) inTransit.delete(message.ack);
    else if (message.act === "listening") serving.add(worker);
    else if (message.act === "close") serving.delete(worker);
  });
  // `close` follows both the exit and the end of the IPC channel: every answer is read by then.
  child.once("close", () => {
    serving.delete(worker);
    if (inTransit.size === 0) return;
    // Handing on is safe only once node:cluster has taken the dead worker out of the round
    // robin (else it could pick it again) and while another worker is in it (else the
    // connection would wait in a queue nobody serves).
    const handOn = cluster.workers?.[worker.id] !== worker && [...serving].some((other) => other.isConnected());
    const report: RescueReport = { worker, handedOn: 0, closed: 0 };
    for (const [seq, handle] of [...inTransit]) {
      inTransit.delete(seq);
      if (handOn) {
        child.emit("internalMessage", { cmd: "NODE_CLUSTER", ack: seq, accepted: false });
        report.handedOn++;
      } else {
        handle.close();
        report.closed++;
      }
    }
    onRescue(report);
  });
}
