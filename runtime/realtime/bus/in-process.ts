import type { BusTransport, Delivery } from "./transport.js";

/** One process: a publish is delivered here, at once (before `publish` returns). */
export class InProcessTransport implements BusTransport {
  readonly kind: BusTransport["kind"] = "memory";
  private readonly channels = new Set<string>();

  constructor(private readonly deliver: Delivery) {}

  publish(channel: string, message: string): Promise<void> {
    if (this.channels.has(channel)) this.deliver(channel, message);
    return Promise.resolve();
  }

  listen(channel: string): Promise<void> {
    this.channels.add(channel);
    return Promise.resolve();
  }

  unlisten(channel: string): Promise<void> {
    this.channels.delete(channel);
    return Promise.resolve();
  }

  up(): boolean {
    return true;
  }

  close(): Promise<void> {
    this.channels.clear();
    return Promise.resolve();
  }
}
