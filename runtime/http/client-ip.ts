import { isIP } from "node:net";

/**
 * Client IP resolution. The socket address is the truth unless the socket peer is a
 * trusted proxy (TINA4_TRUSTED_PROXIES: IPs or IPv4 CIDRs, "loopback" for 127.0.0.0/8 and ::1);
 * then X-Forwarded-For is walked right to left, skipping trusted hops, so a client cannot
 * spoof its address by sending the header itself.
 */
export class TrustedProxies {
  private readonly exact = new Set<string>();
  private readonly ranges: Array<{ base: number; mask: number }> = [];

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      if (entry === "loopback") {
        this.ranges.push(cidr("127.0.0.0/8"));
        this.exact.add("::1");
        continue;
      }
      if (entry.includes("/")) this.ranges.push(cidr(entry));
      else this.exact.add(normalise(entry));
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.ranges.length === 0;
  }

  trusts(address: string): boolean {
    const ip = normalise(address);
    if (this.exact.has(ip)) return true;
    if (isIP(ip) !== 4) return false;
    const value = ipv4ToInt(ip);
    return this.ranges.some((range) => (value & range.mask) === range.base);
  }

  resolve(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const peer = normalise(socketAddress ?? "");
    if (this.empty || !peer || !this.trusts(peer) || !forwardedFor) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
      .split(",")
      .map((hop) => normalise(hop.trim()))
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.trusts(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  }
}

function normalise(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function cidr(text: string): { base: number; mask: number } {
  const [ip, bitsText] = text.split("/");
  const bits = Number(bitsText);
  if (!ip || isIP(ip) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`TINA4_TRUSTED_PROXIES: invalid IPv4 CIDR "${text}"`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipv4ToInt(ip) & mask) >>> 0, mask };
}
