/**
 * The gateway's own credential for one upstream (`upstreams.<name>.auth`), added to the headers of
 * every attempt: a static header, HTTP Basic (RFC 7617), or a bearer token the gateway obtains with
 * OAuth 2.0 client credentials. The partner's credentials never reach here (forward-headers.ts drops
 * them); this credential replaces any header of the same name.
 */
import type { Dispatcher } from 'undici';
import type { SecretSource } from '../config/secret.ts';
import type { UpstreamAuthConfig } from '../config/upstream-auth-schema.ts';
import type { GatewayError } from '../errors.ts';
import { createClientCredentialsToken } from './client-credentials-token.ts';

type Headers = Record<string, string>;

export interface UpstreamCredential {
  /** The attempt's headers with the credential added (a new object); a promise only while a token is being fetched. */
  apply(headers: Headers): Headers | Promise<Headers>;
  /** The upstream answered 401 to a request sent with these headers. */
  refused(headers: Headers): void;
  close(): Promise<void>;
}

export interface UpstreamCredentialOptions {
  now?: () => number;
  /** For token requests; see client-credentials-token.ts. */
  dispatcher?: Dispatcher;
  onRefreshFailed?: (err: GatewayError) => void;
}

function reveal(upstream: string, field: string, value: string | SecretSource): string {
  if (typeof value === 'string') return value;
  const secret = value.secret?.reveal();
  // load-config reads every reference; a config built some other way must fail here, not send nothing.
  if (secret === undefined)
    throw new Error(`upstreams.${upstream}.auth.${field} was not read: load the config with parseConfig or loadConfigFile`);
  return secret;
}

function fixedHeader(name: string, value: string): UpstreamCredential {
  return {
    apply: (headers) => ({ ...headers, [name]: value }),
    refused: () => undefined,
    close: async () => undefined,
  };
}

export function createUpstreamCredential(
  upstream: string,
  auth: UpstreamAuthConfig,
  options: UpstreamCredentialOptions = {},
): UpstreamCredential {
  switch (auth.type) {
    case 'header':
      return fixedHeader(auth.name.toLowerCase(), reveal(upstream, 'value', auth.value));
    case 'basic': {
      const pair = `${reveal(upstream, 'username', auth.username)}:${reveal(upstream, 'password', auth.password)}`;
      return fixedHeader('authorization', `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`);
    }
    case 'oauth2ClientCredentials': {
      const token = createClientCredentialsToken({
        upstream,
        tokenUrl: auth.tokenUrl,
        clientId: reveal(upstream, 'clientId', auth.clientId),
        clientSecret: reveal(upstream, 'clientSecret', auth.clientSecret),
        scopes: auth.scopes,
        audience: auth.audience,
        clientAuthentication: auth.clientAuthentication,
        refreshBeforeExpirySeconds: auth.refreshBeforeExpirySeconds,
        timeoutMs: auth.timeoutMs,
        ...options,
      });
      const withToken = (headers: Headers, value: string): Headers => ({ ...headers, authorization: `Bearer ${value}` });
      return {
        apply(headers) {
          const value = token.get();
          return typeof value === 'string' ? withToken(headers, value) : value.then((v) => withToken(headers, v));
        },
        refused(headers) {
          const sent = headers['authorization'];
          if (sent?.startsWith('Bearer ')) token.invalidate(sent.slice(7));
        },
        close: () => token.close(),
      };
    }
  }
}
