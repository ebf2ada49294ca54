/**
 * Prints the hash of a client secret for gateway.config.yaml (`partners[].secrets`).
 * Usage: `npx tsx gateway/src/partners/hash-secret.ts [secret]` (a new secret is generated when omitted).
 */
import { generateClientSecret, hashClientSecret } from './client-secret.ts';

const secret = process.argv[2] ?? generateClientSecret();
const hash = await hashClientSecret(secret);
if (!process.argv[2]) console.log(`secret: ${secret}`);
console.log(`hash:   ${hash}`);
