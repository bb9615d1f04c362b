/**
 * req.ip behind proxies: X-Forwarded-For is believed only from a trusted socket peer and is
 * walked right to left, skipping trusted hops, so whatever a client writes into the header
 * itself (the leftmost entries) never becomes its address.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TrustedProxies } from "../../runtime/http/client-ip.js";
import { ConfigError } from "../../runtime/config/errors.js";
import { App } from "../../runtime/app.js";
import { rateLimit } from "../../runtime/middleware/rate-limit.js";
import { startApp } from "../support/http.js";

const saved = process.env.TINA4_TRUSTED_PROXIES;
let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  if (saved === undefined) delete process.env.TINA4_TRUSTED_PROXIES;
  else process.env.TINA4_TRUSTED_PROXIES = saved;
});

describe("TrustedProxies.resolve", () => {
  it("uses the socket address when no proxy is configured or the peer is not trusted", () => {
    expect(new TrustedProxies([]).resolve("127.0.0.1", "203.0.113.9")).toBe("127.0.0.1");
    expect(new TrustedProxies(["10.0.0.1"]).resolve("127.0.0.1", "203.0.113.9")).toBe("127.0.0.1");
    expect(new TrustedProxies(["127.0.0.1"]).resolve("127.0.0.1", undefined)).toBe("127.0.0.1");
  });

  it("ignores spoofed leftmost entries: the first untrusted hop from the right is the client", () => {
    const proxies = new TrustedProxies(["127.0.0.1"]);
    expect(proxies.resolve("127.0.0.1", "203.0.113.9")).toBe("203.0.113.9");
    expect(proxies.resolve("127.0.0.1", "6.6.6.6, 203.0.113.9")).toBe("203.0.113.9");
    expect(proxies.resolve("127.0.0.1", "127.0.0.1, 6.6.6.6, 203.0.113.9")).toBe("203.0.113.9");
  });

  it("skips every trusted hop (CIDR entries) between the client and the socket peer", () => {
    const proxies = new TrustedProxies(["127.0.0.1", "10.0.0.0/8", "192.168.0.0/16"]);
    expect(proxies.resolve("127.0.0.1", "6.6.6.6, 203.0.113.9, 192.168.7.7, 10.1.2.3")).toBe("203.0.113.9");
    expect(proxies.resolve("10.200.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2")).toBe("203.0.113.9");
    expect(proxies.resolve("127.0.0.1", "6.6.6.6, 192.169.0.1, 10.0.0.2")).toBe("192.169.0.1"); // just outside 192.168/16
  });

  it("an all-trusted chain resolves to its leftmost hop", () => {
    const proxies = new TrustedProxies(["10.0.0.0/8", "127.0.0.1"]);
    expect(proxies.resolve("127.0.0.1", "10.0.0.9, 10.0.0.2")).toBe("10.0.0.9");
    expect(proxies.resolve("127.0.0.1", "10.0.0.9")).toBe("10.0.0.9");
  });

  it("stops at an element that is not an address instead of believing what is left of it", () => {
    const proxies = new TrustedProxies(["127.0.0.1", "10.0.0.0/8"]);
    expect(proxies.resolve("127.0.0.1", "6.6.6.6, garbage, 10.0.0.2")).toBe("10.0.0.2");
    expect(proxies.resolve("127.0.0.1", "6.6.6.6,, 10.0.0.2")).toBe("10.0.0.2");
    expect(proxies.resolve("127.0.0.1", "6.6.6.6, unknown")).toBe("127.0.0.1");
  });

  it("reads several X-Forwarded-For headers as one list, ports, IPv6 brackets and IPv4-mapped addresses", () => {
    const proxies = new TrustedProxies(["127.0.0.1", "2001:db8::1"]);
    expect(proxies.resolve("127.0.0.1", ["6.6.6.6", "203.0.113.9"])).toBe("203.0.113.9");
    expect(proxies.resolve("::ffff:127.0.0.1", "203.0.113.9:5555")).toBe("203.0.113.9");
    expect(proxies.resolve("2001:db8::1", "6.6.6.6, [2001:db8::5]:443")).toBe("2001:db8::5");
    expect(proxies.resolve("127.0.0.1", "::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(proxies.resolve("::ffff:203.0.113.1", "6.6.6.6")).toBe("203.0.113.1"); // untrusted peer, reported as IPv4
  });

  it("trusts exact addresses, IPv4 and IPv6 CIDR ranges and the loopback keyword", () => {
    const p = new TrustedProxies(["203.0.113.7", "10.0.0.0/8", "172.16.0.0/12", "fd00::/8", "2001:db8::1", "loopback", " ", ""]);
    for (const ip of ["203.0.113.7", "10.255.255.255", "172.31.0.1", "fd12:3456::1", "2001:db8::1", "127.8.9.10", "::1", "::ffff:10.1.1.1"]) {
      expect(p.trusts(ip), ip).toBe(true);
    }
    for (const ip of ["203.0.113.8", "11.0.0.1", "172.32.0.1", "fe80::1", "2001:db8::2", "128.0.0.1", "::2", "not-an-ip", ""]) {
      expect(p.trusts(ip), ip).toBe(false);
    }
    expect(new TrustedProxies(["0.0.0.0/0"]).trusts("198.51.100.1")).toBe(true);
    expect(new TrustedProxies(["198.51.100.1/32"]).trusts("198.51.100.2")).toBe(false);
    expect(new TrustedProxies([" ", ""]).empty).toBe(true);
  });

  it("refuses entries that are not addresses or ranges with a ConfigError", () => {
    for (const entry of ["nope", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/", "fd00::/129", "300.1.1.1", "10.0.0.0/8/8", "*"]) {
      let caught: unknown;
      try {
        new TrustedProxies([entry]);
      } catch (error) {
        caught = error;
      }
      expect(caught, entry).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).code, entry).toBe("T4_ERR_CONFIG_TRUSTED_PROXIES");
      expect((caught as ConfigError).message, entry).toContain(entry);
    }
  });
});

describe("TINA4_TRUSTED_PROXIES over HTTP", () => {
  it("with the variable set, req.ip is the real client and rateLimit counts per real client", async () => {
    process.env.TINA4_TRUSTED_PROXIES = "127.0.0.0/8, 10.0.0.0/8";
    const server = await startApp((app) => {
      app.get("/ip", (req) => ({ ip: req.ip }));
      app.get("/limited", () => "ok", [rateLimit({ limit: 1, windowSeconds: 60 })]);
    });
    close = server.close;
    const ip = async (xff: string) => ((await (await fetch(`${server.url}/ip`, { headers: { "x-forwarded-for": xff } })).json()) as { ip: string }).ip;
    expect(await ip("6.6.6.6, 203.0.113.9")).toBe("203.0.113.9");
    expect(await ip("6.6.6.6, 203.0.113.9, 10.0.0.2")).toBe("203.0.113.9");
    expect(await ip("10.0.0.3, 10.0.0.2")).toBe("10.0.0.3");
    const limited = (xff: string) => fetch(`${server.url}/limited`, { headers: { "x-forwarded-for": xff } }).then((r) => r.status);
    expect(await limited("1.1.1.1, 203.0.113.50")).toBe(200);
    expect(await limited("2.2.2.2, 203.0.113.50")).toBe(429); // a new spoofed entry is not a new client
    expect(await limited("203.0.113.51")).toBe(200);
  });

  it("without the variable, X-Forwarded-For is ignored", async () => {
    delete process.env.TINA4_TRUSTED_PROXIES;
    const server = await startApp((app) => app.get("/ip", (req) => ({ ip: req.ip })));
    close = server.close;
    const res = await fetch(`${server.url}/ip`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(((await res.json()) as { ip: string }).ip).toBe("127.0.0.1");
  });

  it("an invalid entry stops the app from starting with a coded error", () => {
    process.env.TINA4_TRUSTED_PROXIES = "127.0.0.1, proxy.internal";
    expect(() => new App({ publicDir: null })).toThrow(expect.objectContaining({ code: "T4_ERR_CONFIG_TRUSTED_PROXIES" }));
  });
});
