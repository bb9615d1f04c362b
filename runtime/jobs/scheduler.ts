/**
 * Cron ticks. Every process working a scheduled queue runs one of these; each tick becomes a
 * job whose id names the tick (`schedule:<queue>:<ms>`), and the backend stores an id once
 * (the jobs table's unique (queue, id); BullMQ's job ids) however many processes add it — so
 * a tick runs once across all instances, and is not lost while at least one instance is up.
 *
 * Tick times come from the cron expression, never from when a timer happened to fire, so
 * every process names the same tick the same way; a timer that fires late (busy event loop,
 * suspended machine) still adds every tick it passed, up to MAX_CATCH_UP.
 */
import { Cron } from "croner";
import { log } from "../log.js";
import { QueueError, QueueErrorCode } from "./errors.js";
import type { ScheduleSpec } from "./backend.js";

const MAX_CATCH_UP = 10;
/** setTimeout's ceiling; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A cron expression checked once (5 fields, or 6 with seconds first) in an optional IANA timezone. */
export function parseSchedule(spec: ScheduleSpec, where: string): Cron {
  let cron: Cron;
  try {
    cron = new Cron(spec.cron, { paused: true, mode: "5-or-6-parts", ...(spec.timezone ? { timezone: spec.timezone } : {}) });
    cron.nextRun();
  } catch (error) {
    throw new QueueError(
      QueueErrorCode.PROCESSOR,
      `${where}: invalid schedule ${JSON.stringify(spec.cron)}${spec.timezone ? ` (timezone ${spec.timezone})` : ""}: ${(error as Error).message.replace(/\.+$/, "")}. ` +
        'Use 5 cron fields ("*/5 * * * *") or 6 with seconds first ("*/10 * * * * *")',
      { cause: error },
    );
  }
  return cron;
}

export class TickScheduler {
  private readonly cron: Cron;
  private timer: NodeJS.Timeout | null = null;
  private last: Date;
  private stopped = false;

  constructor(spec: ScheduleSpec, private readonly queue: string, private readonly onTick: (tick: Date) => Promise<void>, now = new Date()) {
    this.cron = parseSchedule(spec, `src/jobs/${queue}`);
    this.last = now;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.cron.nextRun(this.last);
    if (next === null) return;
    const wait = Math.min(Math.max(0, next.getTime() - Date.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.fire(), wait);
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    const now = Date.now();
    const due: Date[] = [];
    for (let next = this.cron.nextRun(this.last); next !== null && next.getTime() <= now; next = this.cron.nextRun(next)) {
      due.push(next);
      this.last = next;
    }
    if (due.length === 0) return this.arm();
    if (due.length > MAX_CATCH_UP) log.warn(`schedule ${this.queue}: ${due.length} ticks passed at once; adding the last ${MAX_CATCH_UP}`);
    for (const tick of due.slice(-MAX_CATCH_UP)) {
      try {
        await this.onTick(tick);
      } catch (error) {
        // another instance may add it; this one says why it could not
        log.warn(`schedule ${this.queue}: could not add the ${tick.toISOString()} run: ${(error as Error).message}`);
      }
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
