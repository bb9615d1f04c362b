// The TechEmpower "fortunes" shape rendered from memory (bench/fortunes.mjs): the 12 stored
// fortunes (one an XSS probe, one in Japanese), one more added at request time, sorted by
// message, HTML-escaped into a table by a Twig template both servers share.
import { fileURLToPath } from "node:url";
import { ADDED_FORTUNE, FORTUNES } from "../tfb/lib/data.mjs";

export const FORTUNES_PATH = "/fortunes";
export const TEMPLATES_DIR = fileURLToPath(new URL("../templates/", import.meta.url));
export const TEMPLATE = "fortunes.twig";

/** The stored rows, as a server keeps them in memory. */
export function storedFortunes() {
  return FORTUNES.map(([id, message]) => ({ id, message }));
}

/** What one request renders: a copy of the stored rows plus the added one, sorted by message. */
export function pageFortunes(stored) {
  const rows = stored.slice();
  rows.push({ id: ADDED_FORTUNE[0], message: ADDED_FORTUNE[1] });
  rows.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return rows;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#039;" })[c]);

/** The exact page a correct server answers (Twig's HTML escaping), to validate before measuring. */
export function expectedFortunesPage() {
  const rows = pageFortunes(storedFortunes()).map((f) => `<tr><td>${f.id}</td><td>${escape(f.message)}</td></tr>`).join("");
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${rows}</table></body></html>`;
}
