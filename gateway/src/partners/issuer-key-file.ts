import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { IssuerAlgorithm } from './signing-keys.ts';

/**
 * The built-in issuer's keys from a file the operator provides (`security.issuer.keyFile`), so that
 * every worker and replica signs with the same key and accepts the others' tokens. The file holds
 * PKCS#8 PEM private keys (`openssl genpkey ...`); the first signs, the others stay published so
 * tokens they signed verify until the operator removes them. Each key's `kid` is its RFC 7638
 * thumbprint: every process that reads the file names a key the same way, with nothing to agree on.
 */
export interface FileKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export class IssuerKeyFileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = this.constructor.name;
  }
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** What key type each algorithm signs with, and the openssl command that makes one. */
const EXPECTED: Record<IssuerAlgorithm, { type: string; curve?: string; hint: string }> = {
  ES256: { type: 'ec', curve: 'prime256v1', hint: 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256' },
  RS256: { type: 'rsa', hint: 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048' },
  EdDSA: { type: 'ed25519', hint: 'openssl genpkey -algorithm ed25519' },
};

/** RFC 7638: SHA-256 over the required public members in lexicographic order, base64url. */
function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function readIssuerKeyFile(file: string, algorithm: IssuerAlgorithm): FileKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IssuerKeyFileError(file, 0, `cannot be read: ${(err as Error).message}`);
  }
  const expected = EXPECTED[algorithm];
  const keys: FileKey[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const line = lineOf(text, match.index);
    if (match[1] !== 'PRIVATE KEY') {
      throw new IssuerKeyFileError(
        file,
        line,
        `a ${match[1]} block; the issuer needs PKCS#8 private keys ("BEGIN PRIVATE KEY", from ${expected.hint})`,
      );
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(match[0]);
    } catch (err) {
      throw new IssuerKeyFileError(file, line, `not a readable private key: ${(err as Error).message}`);
    }
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    if (privateKey.asymmetricKeyType !== expected.type || (expected.curve && curve !== expected.curve)) {
      throw new IssuerKeyFileError(
        file,
        line,
        `a ${privateKey.asymmetricKeyType}${curve ? ` ${curve}` : ''} key cannot sign ${algorithm} (security.issuer.algorithm); make one with ${expected.hint}`,
      );
    }
    const publicKey = createPublicKey(privateKey);
    keys.push({ kid: thumbprint(publicKey), privateKey, publicKey });
  }
  if (keys.length === 0) throw new IssuerKeyFileError(file, 1, `no private key in the file; make one with ${expected.hint}`);
  return keys;
}
