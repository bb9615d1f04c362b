/**
 * A real browser plays and seeks a media file from public/: Chromium's media loader asks for
 * byte ranges (`Range: bytes=N-`) and relies on 206 answers to seek (Safari will not play a
 * video without them at all).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useChromium } from "../support/chromium.js";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

/** A valid mono 16-bit PCM WAV: `seconds` of a quiet tone (about 16 KB a second at 8 kHz). */
function wav(seconds: number, rate = 8000): Buffer {
  const samples = seconds * rate;
  const file = Buffer.alloc(44 + samples * 2);
  file.write("RIFF", 0, "ascii");
  file.writeUInt32LE(36 + samples * 2, 4);
  file.write("WAVEfmt ", 8, "ascii");
  file.writeUInt32LE(16, 16); // fmt chunk size
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(1, 22); // mono
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * 2, 28); // bytes a second
  file.writeUInt16LE(2, 32); // bytes a frame
  file.writeUInt16LE(16, 34); // bits a sample
  file.write("data", 36, "ascii");
  file.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) file.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return file;
}

const chrome = useChromium();
let server: RunningServer;
let size: number;

beforeAll(async () => {
  const pub = mkdtempSync(join(tmpdir(), "tina4-media-"));
  const clip = wav(120);
  size = clip.length;
  writeFileSync(join(pub, "clip.wav"), clip);
  writeFileSync(join(pub, "player.html"), '<!doctype html><title>player</title><video id="player" src="/clip.wav" preload="metadata" muted></video>');
  server = await startApp(() => undefined, { publicDir: pub });
});
afterAll(async () => server.close());

describe("media seeking in Chromium", () => {
  it("loads the clip with Range requests answered 206, and seeking near the end fetches from there", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    const fetched: Array<{ status: number; range: string | undefined; contentRange: string | undefined }> = [];
    page.on("response", (response) => {
      if (!response.url().endsWith("/clip.wav")) return;
      fetched.push({ status: response.status(), range: response.request().headers().range, contentRange: response.headers()["content-range"] });
    });
    await page.goto(`${server.url}/player.html`);
    // page scripts as strings: the test is compiled without the DOM's types
    const duration = await page.evaluate<number>(`(async () => {
      const media = document.getElementById("player");
      if (media.readyState < 1) await new Promise((resolve, reject) => { media.onloadedmetadata = resolve; media.onerror = () => reject(new Error("media error " + media.error?.code)); });
      return media.duration;
    })()`);
    expect(duration).toBeCloseTo(120, 0);
    const seekedTo = await page.evaluate<number>(`(async () => {
      const media = document.getElementById("player");
      const seeked = new Promise((resolve) => (media.onseeked = resolve));
      media.currentTime = media.duration - 2;
      await seeked;
      await media.play();
      await new Promise((resolve) => (media.ontimeupdate = resolve));
      media.pause();
      return media.currentTime;
    })()`);
    expect(seekedTo).toBeGreaterThan(117);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((f) => f.status === 206 && f.range !== undefined)).toBe(true);
    // the seek read from near the end of the file, not from its start
    const starts = fetched.map((f) => Number(/^bytes (\d+)-/.exec(f.contentRange ?? "")?.[1]));
    expect(Math.max(...starts)).toBeGreaterThan(size * 0.9);
  });
});
