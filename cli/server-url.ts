import { setting } from "../runtime/config/settings.js";

/** The URL `tina4 serve` prints for a bound host and port (IPv6 in brackets). */
export function serverUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Where dev `tina4 serve` will listen with the current settings (TINA4_HOST, TINA4_PORT): what next-step hints print. */
export function devServerUrl(): string {
  return serverUrl(setting("TINA4_HOST", { production: false }), setting("TINA4_PORT"));
}
