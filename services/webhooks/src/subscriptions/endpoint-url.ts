import { createPrivateNetworkGuard } from './private-network.ts';

/**
 * Which endpoint URLs a subscription may point at. HTTPS always; plain HTTP only to a loopback
 * host, and never in production, so a developer can test against a local receiver but a partner
 * cannot make Concord send events (and their signatures) in clear text across a network.
 */
export interface EndpointUrlPolicy {
  production: boolean;
  /** Refuse endpoints on private or internal addresses (on in every mode unless a developer opts out). */
  blockPrivateNetworks?: boolean;
  /** Hosts refused whatever they resolve to: the platform's own public names (the gateway's, say). */
  blockedHosts?: readonly string[];
}

const privateNetworks = createPrivateNetworkGuard();

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  // `localhost.` is the same name, fully qualified.
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return LOOPBACK.has(host) || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why a delivery to this URL must not be attempted (SSRF), or undefined: an IP literal in a private
 * or internal range (the WHATWG parser has already turned decimal, octal and hex forms such as
 * `2130706433` or `0x7f.1` into dotted ones), a loopback name, or a host the operator listed.
 * Names are checked again on every address they resolve to, at connect time.
 */
export function refusedHost(url: URL, policy: Pick<EndpointUrlPolicy, 'blockPrivateNetworks' | 'blockedHosts'>): string | undefined {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (policy.blockedHosts?.some((blocked) => blocked.toLowerCase() === host)) return 'must not point at this platform itself';
  if (!policy.blockPrivateNetworks) return undefined;
  if (privateNetworks.isPrivate(host) || isLoopbackHost(host)) return 'must not point at a private or internal network address';
  return undefined;
}

/** undefined when the URL is acceptable; otherwise why not, for the problem's `errors` entry. */
export function endpointUrlProblem(raw: string, policy: EndpointUrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  const refused = refusedHost(url, policy);
  if (refused) return refused;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'must use https';
  if (policy.production) return 'must use https (plain http is refused in production)';
  if (!isLoopbackHost(url.hostname)) return 'must use https (plain http is allowed only for loopback hosts)';
  return undefined;
}
