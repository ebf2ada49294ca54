import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * An identity provider for tests: a real JWKS endpoint on port 0 and a signer. Rotate keys, remove
 * them, or take the provider down, and watch the gateway react through HTTP.
 *
 *   const idp = await startTestIdentityProvider();
 *   // config: security.auth.jwksUrl = idp.jwksUrl, issuer = idp.issuer, audience = idp.audience
 *   const token = await idp.sign({ client_id: 'acme', scope: 'orders:read' });
 *   await idp.stop();
 */
export interface TestIdentityProvider {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** kid of the key `sign` uses by default. */
  currentKid: string;
  /** How many times the JWKS was fetched. */
  fetchCount: number;
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** Adds a new key and makes it current; the old one stays published until removed. */
  rotate(): Promise<string>;
  /** Stops publishing a key (its private half can still sign, to forge "removed key" tokens). */
  unpublish(kid: string): void;
  /** While down, every JWKS request has its connection reset. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

export interface SignOptions {
  kid?: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  /** Epoch seconds for `iat`; default now. */
  issuedAt?: number;
  issuer?: string;
  audience?: string;
  /** Omit `exp` altogether. */
  noExpiry?: boolean;
}

interface KeyEntry {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

export async function startTestIdentityProvider(
  options: { issuer?: string; audience?: string; alg?: 'ES256' | 'RS256' } = {},
): Promise<TestIdentityProvider> {
  const alg = options.alg ?? 'ES256';
  const keys: KeyEntry[] = [];
  let down = false;
  let counter = 0;

  async function addKey(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `test-key-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
    keys.push({ kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, published: true });
    return kid;
  }

  const server: Server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    if (req.url === '/jwks.json') {
      provider.fetchCount++;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: keys.filter((k) => k.published).map((k) => k.publicJwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = options.issuer ?? `http://127.0.0.1:${port}/`;
  const audience = options.audience ?? 'urn:concord:test-api';

  const provider: TestIdentityProvider = {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    issuer,
    audience,
    currentKid: await addKey(),
    fetchCount: 0,
    async sign(claims = {}, opts = {}) {
      const kid = opts.kid ?? provider.currentKid;
      const key = keys.find((k) => k.kid === kid);
      if (!key) throw new Error(`no key ${kid}`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ client_id: 'test-partner', ...claims })
        .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setIssuedAt(opts.issuedAt ?? now);
      if (!opts.noExpiry) jwt.setExpirationTime(now + (opts.expiresIn ?? 300));
      if (opts.notBefore !== undefined) jwt.setNotBefore(now + opts.notBefore);
      return jwt.sign(key.privateKey);
    },
    async rotate() {
      provider.currentKid = await addKey();
      return provider.currentKid;
    },
    unpublish(kid) {
      const key = keys.find((k) => k.kid === kid);
      if (key) key.published = false;
    },
    setDown(value) {
      down = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return provider;
}

/** The public JWK of the provider's current key, for forging HS256-with-the-public-key tokens. */
export async function publicJwkOf(jwksUrl: string, kid: string): Promise<JWK> {
  const set = (await (await fetch(jwksUrl)).json()) as { keys: JWK[] };
  const key = set.keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`kid ${kid} not published`);
  return key;
}
