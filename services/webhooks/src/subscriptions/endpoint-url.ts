import { createPrivateNetworkGuard } from './private-network.ts';

/**
 * Which endpoint URLs a subscription may point at. HTTPS always; plain HTTP only to a loopback
 * host, and never in production, so a developer can test against a local receiver but a partner
 * cannot make Concord send events (and their signatures) in clear text across a network.
 */
export interface EndpointUrlPolicy {
  production: boolean;
  /** Refuse endpoints on private or internal addresses (on by default in production). */
  blockPrivateNetworks?: boolean;
}

const privateNetworks = createPrivateNetworkGuard();

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
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
  if (policy.blockPrivateNetworks) {
    // Literal addresses and loopback names are refused here; names are checked again when connecting.
    const host = url.hostname.toLowerCase();
    if (privateNetworks.isPrivate(host) || isLoopbackHost(host) || host.endsWith('.localhost'))
      return 'must not point at a private or internal network address';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'must use https';
  if (policy.production) return 'must use https (plain http is refused in production)';
  if (!isLoopbackHost(url.hostname)) return 'must use https (plain http is allowed only for loopback hosts)';
  return undefined;
}
