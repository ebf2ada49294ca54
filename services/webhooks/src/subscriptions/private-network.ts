import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Webhook endpoints are URLs a partner chooses, and the dispatcher calls them from inside the
 * platform's network. Without a guard a partner could point one at an internal service or a
 * cloud metadata address (SSRF). The guard runs at connect time, on the resolved address, so a
 * hostname that later re-resolves to a private address (DNS rebinding) is refused too.
 */
const V4_RANGES: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const V6_RANGES: [string, number][] = [
  // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  ['::', 96],
  // Teredo tunnels to any IPv4 address
  ['2001::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
];

function createPrivateNetworks(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of V4_RANGES) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of V6_RANGES) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 one carries, where it is that address in disguise: IPv4-mapped
 * (`::ffff:10.0.0.1`, which the URL parser writes `::ffff:a00:1`) and 6to4 (`2002:0a00:0001::`).
 */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) return v4(Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16));
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(:|$)/i.exec(address);
  if (sixToFour) return v4(Number.parseInt(sixToFour[1]!, 16), Number.parseInt(sixToFour[2]!, 16));
  return undefined;
}

export interface PrivateNetworkGuard {
  isPrivate(address: string): boolean;
  /** A `lookup` for net/tls.connect (and so undici's connector) that refuses private addresses. */
  lookup: typeof dnsLookup;
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, a private or internal address; webhook endpoints must be public`);
    this.name = this.constructor.name;
  }
}

export function createPrivateNetworkGuard(): PrivateNetworkGuard {
  const networks = createPrivateNetworks();
  const isPrivate = (address: string): boolean => {
    const bare = address.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family === 0) return false;
    const embedded = embeddedIpv4(bare);
    if (embedded !== undefined) return networks.check(embedded, 'ipv4');
    return networks.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  };
  const lookup = ((
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options }, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const blocked = addresses.find(isPrivate);
      if (blocked) return callback(new PrivateAddressError(hostname, blocked), address, family);
      callback(null, address, family);
    });
  }) as unknown as typeof dnsLookup;
  return { isPrivate, lookup };
}
