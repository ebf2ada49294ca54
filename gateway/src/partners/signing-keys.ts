import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { errors, type JSONWebKeySet, type JWK } from 'jose';
import type { FileKey } from './issuer-key-file.ts';

/**
 * The built-in issuer's signing keys. One key signs; after a rotation the previous keys stay
 * published (and accepted) until the last token they signed has expired, then they are dropped.
 * Keys are node KeyObjects created synchronously, so building the gateway stays synchronous.
 */
export type IssuerAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

interface RingKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  /** Epoch ms after which no token signed by this key can still be valid; undefined while current. */
  retireAfter: number | undefined;
}

export interface SigningKeyRingOptions {
  algorithm: IssuerAlgorithm;
  /** Longest lifetime of a token, so retired keys are kept exactly as long as needed. */
  tokenTtlSeconds: number;
  clockToleranceSeconds: number;
  now: () => number;
}

function generate(algorithm: IssuerAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (algorithm) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

export class SigningKeyRing {
  readonly algorithm: IssuerAlgorithm;
  #options: SigningKeyRingOptions;
  #keys: RingKey[] = [];

  /**
   * `keys` (from the operator's key file, issuer-key-file.ts): the first signs, the others stay
   * published as long as they are given; without them a key is generated in this process.
   */
  constructor(options: SigningKeyRingOptions, keys?: readonly FileKey[]) {
    this.algorithm = options.algorithm;
    this.#options = options;
    if (!keys) {
      this.rotate();
      return;
    }
    this.#keys = keys.map((key, i) => ({
      ...key,
      publicJwk: { ...(key.publicKey.export({ format: 'jwk' }) as JWK), kid: key.kid, alg: this.algorithm, use: 'sig' },
      retireAfter: i === 0 ? undefined : Number.POSITIVE_INFINITY,
    }));
  }

  /** A reload may change the token lifetime; retirements from now on use the new one. */
  configure(options: Pick<SigningKeyRingOptions, 'tokenTtlSeconds' | 'clockToleranceSeconds'>): void {
    this.#options = { ...this.#options, ...options };
  }

  /** Makes a new key current; the old one is retired (still verifiable) until its tokens expire. */
  rotate(): string {
    const now = this.#options.now();
    const retireAfter = now + (this.#options.tokenTtlSeconds + this.#options.clockToleranceSeconds) * 1000;
    for (const key of this.#keys) key.retireAfter ??= retireAfter;
    const { privateKey, publicKey } = generate(this.algorithm);
    const kid = randomUUID();
    const publicJwk: JWK = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: this.algorithm, use: 'sig' };
    this.#keys.unshift({ kid, privateKey, publicKey, publicJwk, retireAfter: undefined });
    this.#prune(now);
    return kid;
  }

  current(): { kid: string; privateKey: KeyObject; alg: IssuerAlgorithm } {
    const key = this.#keys[0]!;
    return { kid: key.kid, privateKey: key.privateKey, alg: this.algorithm };
  }

  /** The published key set: the current key and every retired key whose tokens may still be valid. */
  jwks(): JSONWebKeySet {
    this.#prune(this.#options.now());
    return { keys: this.#keys.map((key) => key.publicJwk) };
  }

  /** A jose key resolver for jwtVerify. */
  resolve = async (header: { kid?: string | undefined; alg?: string | undefined }): Promise<KeyObject> => {
    this.#prune(this.#options.now());
    const key = this.#keys.find((candidate) => candidate.kid === header.kid);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key.publicKey;
  };

  #prune(now: number): void {
    this.#keys = this.#keys.filter((key) => key.retireAfter === undefined || key.retireAfter > now);
  }
}
