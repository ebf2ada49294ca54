import { BlockList, isIP } from 'node:net';

/**
 * The proxies in front of the gateway whose forwarding headers are believed, as nginx's
 * set_real_ip_from with real_ip_recursive and Envoy's xff_num_trusted_hops do it: the client is the
 * rightmost address in X-Forwarded-For (or RFC 7239 Forwarded) that is not a trusted proxy. Taking the
 * leftmost, as the gateway once did, lets any client name its own address, since proxies append.
 */
export interface TrustedProxies {
  has(address: string): boolean;
  /** The client's address, from the socket peer and the forwarding headers the request carries. */
  clientAddress(peer: string, forwardedFor: string | undefined, forwarded: string | undefined): string;
}

/** `10.0.0.0/8`, `2001:db8::/32`, or one address (`192.0.2.10`); anything else is an error message. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | string {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return `"${text}" is not an IP address or CIDR range (e.g. 10.0.0.0/8)`;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return `"${text}" has a prefix length outside 0-${max}`;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function normalize(address: string): string {
  // IPv4 clients of a dual-stack socket appear as IPv4-mapped IPv6 addresses.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** RFC 7239: `for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"` -> the `for` addresses in order. */
function forwardedFor(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(',')) {
    const match = /(?:^|;)\s*for=("?)([^";,]+)\1/i.exec(element);
    if (!match) continue;
    let value = match[2]!.trim();
    if (value.startsWith('[')) value = value.slice(1, value.indexOf(']'));
    else if (isIP(value) === 0 && value.includes(':')) value = value.slice(0, value.lastIndexOf(':'));
    out.push(value);
  }
  return out;
}

export function trustedProxies(ranges: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (typeof cidr === 'string') throw new Error(cidr);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  const has = (address: string): boolean => {
    const plain = normalize(address);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    has,
    clientAddress(peer, xff, forwarded) {
      if (ranges.length === 0 || !has(peer)) return normalize(peer);
      const hops = xff !== undefined ? xff.split(',').map((h) => h.trim()) : forwarded !== undefined ? forwardedFor(forwarded) : [];
      // From the nearest hop outwards: the first address no trusted proxy vouches for is the client.
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = normalize(hops[i]!);
        if (isIP(hop) === 0) return normalize(peer); // a garbled hop: believe nothing beyond it
        if (!has(hop)) return hop;
      }
      return hops.length > 0 ? normalize(hops[0]!) : normalize(peer);
    },
  };
}
