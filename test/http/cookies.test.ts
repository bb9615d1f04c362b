/**
 * Cookies: parsing the Cookie header, and Set-Cookie serialization that no caller input can
 * bend (attribute injection, header splitting) or that browsers would silently drop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CookieErrorCode, parseCookies, serializeCookie, type CookieOptions } from "../../runtime/http/cookies.js";
import { HttpError } from "../../runtime/http/errors.js";
import { startApp } from "../support/http.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function refused(call: () => unknown, code: string): HttpError {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a throw").toBeInstanceOf(HttpError);
  expect((caught as HttpError).code).toBe(code);
  expect((caught as HttpError).status).toBe(500);
  return caught as HttpError;
}

describe("serializeCookie", () => {
  it("writes the defaults: Path=/, HttpOnly, SameSite=Lax; values are percent-encoded", () => {
    expect(serializeCookie("sid", "a b;c")).toBe("sid=a%20b%3Bc; Path=/; HttpOnly; SameSite=Lax");
    expect(serializeCookie("sid", "v", { maxAge: 60.9, path: "/app", domain: "example.com", secure: true, httpOnly: false, sameSite: "Strict" }))
      .toBe("sid=v; Max-Age=60; Path=/app; Domain=example.com; Secure; SameSite=Strict");
    expect(serializeCookie("sid", "", { expires: new Date(0) })).toBe("sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax");
  });

  it("a value can never add attributes or split the header", () => {
    const out = serializeCookie("sid", "x; Domain=evil.com\r\nSet-Cookie: admin=1");
    expect(out.split(";")).toHaveLength(4); // name=value, Path, HttpOnly, SameSite
    expect(out).not.toMatch(/[\r\n]/);
    expect(out).not.toContain("Domain=evil.com");
  });

  it("refuses invalid names", () => {
    for (const name of ["", "a b", "a;b", "a=b", "sid\r\nX: 1", "ünï", "a,b"]) refused(() => serializeCookie(name, "v"), CookieErrorCode.NAME);
  });

  it("refuses values that are not strings, not valid Unicode, or too large for browsers", () => {
    refused(() => serializeCookie("sid", 42 as unknown as string), CookieErrorCode.VALUE);
    refused(() => serializeCookie("sid", "\uD800"), CookieErrorCode.VALUE);
    refused(() => serializeCookie("sid", "x".repeat(4094)), CookieErrorCode.VALUE);
    expect(serializeCookie("sid", "x".repeat(4093))).toMatch(/^sid=x{4093};/);
  });

  it("refuses attribute injection through path and domain", () => {
    for (const path of ["/; Domain=evil.com", "/a\r\nSet-Cookie: x=1", "/a\u0000", "app", "/ünï", ""]) {
      refused(() => serializeCookie("sid", "v", { path }), CookieErrorCode.ATTRIBUTE);
    }
    for (const domain of ["evil.com; Secure", "evil.com\r\nX: 1", "a..b", "-a.com", "a-.com", "", "exa mple.com", "x".repeat(64) + ".com", `${"a".repeat(60)}.`.repeat(5) + "com"]) {
      refused(() => serializeCookie("sid", "v", { domain }), CookieErrorCode.ATTRIBUTE);
    }
    expect(serializeCookie("sid", "v", { domain: ".sub.example.co.uk" })).toContain("; Domain=.sub.example.co.uk;");
    expect(serializeCookie("sid", "v", { path: "/a/b-c_d.e~f%20g" })).toContain("; Path=/a/b-c_d.e~f%20g;");
  });

  it("refuses bad maxAge, expires and sameSite values (a JavaScript caller can pass anything)", () => {
    const bad: CookieOptions[] = [
      { maxAge: Number.NaN },
      { maxAge: Number.POSITIVE_INFINITY },
      { maxAge: "60; Domain=evil.com" as unknown as number },
      { expires: new Date("nope") },
      { expires: "Thu, 01 Jan 1970 00:00:00 GMT; Domain=evil.com" as unknown as Date },
      { sameSite: "Lax; Domain=evil.com" as "Lax" },
    ];
    for (const options of bad) refused(() => serializeCookie("sid", "v", options), CookieErrorCode.ATTRIBUTE);
    expect(serializeCookie("sid", "v", { sameSite: "strict" as "Strict" })).toContain("; SameSite=Strict");
  });

  it("refuses what browsers would silently drop: SameSite=None without Secure, __Secure-/__Host- prefixes without their rules", () => {
    refused(() => serializeCookie("sid", "v", { sameSite: "None" }), CookieErrorCode.ATTRIBUTE);
    expect(serializeCookie("sid", "v", { sameSite: "None", secure: true })).toContain("; Secure; HttpOnly; SameSite=None");
    refused(() => serializeCookie("__Secure-sid", "v"), CookieErrorCode.ATTRIBUTE);
    expect(serializeCookie("__Secure-sid", "v", { secure: true, domain: "example.com" })).toContain("Secure");
    refused(() => serializeCookie("__Host-sid", "v"), CookieErrorCode.ATTRIBUTE);
    refused(() => serializeCookie("__Host-sid", "v", { secure: true, path: "/app" }), CookieErrorCode.ATTRIBUTE);
    refused(() => serializeCookie("__Host-sid", "v", { secure: true, domain: "example.com" }), CookieErrorCode.ATTRIBUTE);
    expect(serializeCookie("__Host-sid", "v", { secure: true })).toBe("__Host-sid=v; Path=/; Secure; HttpOnly; SameSite=Lax");
  });
});

describe("parseCookies", () => {
  it("reads names whatever they are called, first one wins, malformed escapes stay raw", () => {
    const jar = parseCookies('a=1; constructor=2; toString=3; __proto__=4; a=5; b="q%20d"; c=%E0%A4%A; hasOwnProperty=6');
    expect(jar.a).toBe("1");
    expect(jar.constructor).toBe("2");
    expect(jar.toString).toBe("3");
    expect(jar.hasOwnProperty).toBe("6");
    expect(jar.b).toBe("q d");
    expect(jar.c).toBe("%E0%A4%A");
    expect(Object.getPrototypeOf(jar)).toBe(Object.prototype); // __proto__ did not replace it
    expect(Object.keys(jar)).not.toContain("__proto__");
  });
});

describe("res.cookie over HTTP", () => {
  it("an injected attribute is a 500 JSON error and no Set-Cookie header is sent", async () => {
    const server = await startApp((app) => {
      app.get("/inject", (req, res) => res.cookie("sid", "v", { path: String(req.query.path) }).json({ ok: true }));
    });
    close = server.close;
    const res = await fetch(`${server.url}/inject?path=${encodeURIComponent("/; Domain=evil.com")}`);
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.json()).toMatchObject({ error: "Internal Server Error" });
    const fine = await fetch(`${server.url}/inject?path=${encodeURIComponent("/app")}`);
    expect(fine.status).toBe(200);
    expect(fine.headers.get("set-cookie")).toBe("sid=v; Path=/app; HttpOnly; SameSite=Lax");
  });
});
