import { startApp } from "./http.js";

export interface Readiness {
  status: number;
  checks: Record<string, string>;
  /** The raw body, to assert what it must never name (a URL, a password). */
  text: string;
}

/** Starts a bare app, asks its `/__ready` once (with `init`) and closes it again. */
export async function readiness(init?: RequestInit): Promise<Readiness> {
  const server = await startApp(() => undefined);
  try {
    const reply = await fetch(`${server.url}/__ready`, init);
    const text = await reply.text();
    return { status: reply.status, checks: (JSON.parse(text) as { checks: Record<string, string> }).checks, text };
  } finally {
    await server.close();
  }
}
