import { BlockList, isIP } from "node:net";
import { ConfigError, ConfigErrorCode } from "../config/errors.js";
import { warnOnce } from "../log.js";

/**
 * Client IP resolution. The socket address is the truth unless the socket peer is a trusted
 * proxy (TINA4_TRUSTED_PROXIES: IPv4/IPv6 addresses, CIDR ranges such as 10.0.0.0/8 or
 * fd00::/8, and "loopback" for 127.0.0.0/8 and ::1). Then X-Forwarded-For is walked right to
 * left, skipping trusted hops: each proxy appends the address it was connected from, so the
 * first untrusted address from the right is the client, and everything left of it is what
 * the client claimed and is never believed. When every hop is trusted, the leftmost is the
 * client. An element that is not an address (garbage, empty) stops the walk: the trusted hop
 * to its right (or the socket peer) is used, since nothing left of it can be vouched for.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly size: number;

  constructor(entries: readonly string[]) {
    let size = 0;
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      this.add(entry);
      size++;
    }
    this.size = size;
  }

  get empty(): boolean {
    return this.size === 0;
  }

  trusts(address: string): boolean {
    const ip = normalise(address);
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? "ipv4" : "ipv6");
  }

  resolve(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const peer = normalise(socketAddress ?? "");
    if (this.empty) {
      if (forwardedFor !== undefined && peer) warnUntrustedProxy(peer);
      return peer;
    }
    if (!peer || !forwardedFor || !this.trusts(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
    let nearest = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hopAddress(hops[i]!);
      if (hop === "") return nearest;
      if (!this.trusts(hop)) return hop;
      nearest = hop;
    }
    return nearest;
  }

  private add(entry: string): void {
    if (entry === "loopback") {
      this.list.addSubnet("127.0.0.0", 8, "ipv4");
      this.list.addAddress("::1", "ipv6");
      return;
    }
    const slash = entry.indexOf("/");
    const ip = normalise(slash < 0 ? entry : entry.slice(0, slash));
    const family = isIP(ip);
    const bitsText = slash < 0 ? "" : entry.slice(slash + 1);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    if (family === 0 || (slash >= 0 && !(bits <= (family === 4 ? 32 : 128)))) {
      throw new ConfigError(ConfigErrorCode.TRUSTED_PROXIES,
        `TINA4_TRUSTED_PROXIES: "${entry}" is not an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or "loopback"`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (slash < 0) this.list.addAddress(ip, type);
    else this.list.addSubnet(ip, bits, type);
  }
}

/**
 * Behind a load balancer without TINA4_TRUSTED_PROXIES every client has the balancer's address:
 * per-IP limits count the whole site as one client, which nothing else would reveal.
 */
function warnUntrustedProxy(peer: string): void {
  warnOnce("untrusted-proxy",
    `requests carry X-Forwarded-For but TINA4_TRUSTED_PROXIES is not set, so req.ip is the socket peer (${peer}) for every client behind it: ` +
    `rateLimit() and loginThrottle() count them all as one client, and logs show one address. If ${peer} is your load balancer or reverse proxy, ` +
    `set TINA4_TRUSTED_PROXIES=${peer} (or its range, or loopback); if not, a client sent the header itself and ignoring it is right`);
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how dual-stack sockets report IPv4 peers) → plain IPv4. */
function normalise(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** One X-Forwarded-For element as an address ("" when it is none): ports and IPv6 brackets removed. */
function hopAddress(element: string): string {
  let hop = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.indexOf(":"));
  hop = normalise(hop);
  return isIP(hop) === 0 ? "" : hop;
}
