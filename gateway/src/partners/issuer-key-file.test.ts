import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load-config.ts';
import { readIssuerKeyFile } from './issuer-key-file.ts';
import { SigningKeyRing } from './signing-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-keyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (type: 'ec' | 'rsa' | 'ed25519'): string => {
  const { privateKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
};
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('the issuer key file', () => {
  it('the first key signs, the next stay published; kids are RFC 7638 thumbprints, the same in every process', async () => {
    const file = write('two.pem', `# new key first\n${pem('ec')}\n${pem('ec')}`);
    const keys = readIssuerKeyFile(file, 'ES256');
    expect(keys).toHaveLength(2);
    expect(readIssuerKeyFile(file, 'ES256').map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
    expect(keys[0]!.kid).toBe(await calculateJwkThumbprint(keys[0]!.publicKey.export({ format: 'jwk' }) as JWK));
    const ring = new SigningKeyRing({ algorithm: 'ES256', tokenTtlSeconds: 60, clockToleranceSeconds: 0, now: Date.now }, keys);
    expect(ring.current().kid).toBe(keys[0]!.kid);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
  });

  it('names the file and line of a block that is not a PKCS#8 private key', () => {
    const file = write('public.pem', `${pem('ec')}-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n`);
    expect(() => readIssuerKeyFile(file, 'ES256')).toThrow(`${file}:6: a PUBLIC KEY block`);
  });

  it('names a key that cannot sign the configured algorithm, and an empty file', () => {
    const rsa = write('rsa.pem', pem('rsa'));
    expect(() => readIssuerKeyFile(rsa, 'ES256')).toThrow(`${rsa}:1: a rsa key cannot sign ES256 (security.issuer.algorithm)`);
    expect(readIssuerKeyFile(rsa, 'RS256')).toHaveLength(1);
    expect(readIssuerKeyFile(write('ed.pem', pem('ed25519')), 'EdDSA')).toHaveLength(1);
    const empty = write('empty.pem', '\n');
    expect(() => readIssuerKeyFile(empty, 'ES256')).toThrow(`${empty}:1: no private key in the file`);
    expect(() => readIssuerKeyFile(join(dir, 'missing.pem'), 'ES256')).toThrow(/missing\.pem:0: cannot be read/);
  });

  it('is resolved against the config file; rotateEverySeconds beside it is refused at its line', () => {
    const base = 'upstreams: { orders: { url: "http://127.0.0.1:9" } }\napis: [{ contract: orders.v1, basePath: /v1, upstream: orders }]\n';
    const config = parseConfig(`${base}security:\n  issuer:\n    keyFile: keys/issuer.pem\n`, join(dir, 'gateway.config.yaml'));
    expect(config.security.issuer.keyFile).toBe(join(dir, 'keys/issuer.pem'));
    const both = `${base}security:\n  issuer:\n    keyFile: issuer.pem\n    rotateEverySeconds: 60\n`;
    expect(() => parseConfig(both, 'gateway.config.yaml')).toThrow(ConfigError);
    expect(() => parseConfig(both, 'gateway.config.yaml')).toThrow(/gateway\.config\.yaml:6:\d+.*rotated by the operator/);
  });
});
