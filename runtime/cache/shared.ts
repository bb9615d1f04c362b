/**
 * One client per server URL, shared by every namespace in the process (KV, response cache,
 * DB query cache) and reference-counted: the connection closes when its last user closes.
 * A failed open is forgotten so the next caller tries again.
 */
interface Slot<T> {
  connection: Promise<T>;
  refs: number;
}

export class SharedConnections<T> {
  #slots = new Map<string, Slot<T>>();
  #open: (key: string) => Promise<T>;
  #shut: (connection: T) => Promise<void>;

  constructor(open: (key: string) => Promise<T>, shut: (connection: T) => Promise<void>) {
    this.#open = open;
    this.#shut = shut;
  }

  async acquire(key: string): Promise<T> {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { connection: this.#open(key), refs: 0 };
      this.#slots.set(key, slot);
    }
    slot.refs++;
    try {
      return await slot.connection;
    } catch (error) {
      slot.refs--;
      if (this.#slots.get(key) === slot) this.#slots.delete(key);
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    const slot = this.#slots.get(key);
    if (!slot) return;
    slot.refs--;
    if (slot.refs > 0) return;
    this.#slots.delete(key);
    const connection = await slot.connection.catch(() => undefined);
    if (connection !== undefined) await this.#shut(connection);
  }
}

/** The URL with any password replaced, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  }
}
