/**
 * Mints a partner API key: prints the key once (give it to the partner; it is not stored anywhere)
 * and the snippet for gateway.config.yaml, which holds only its hash.
 *
 *   npx tsx gateway/src/partners/mint-api-key.ts acme          # a new key for partner acme
 *   npx tsx gateway/src/partners/mint-api-key.ts --hash <key>  # the hash of a key, e.g. a leaked one, to find it in the config
 */
import { generateApiKey, hashApiKey, isApiKeyShaped } from './api-key.ts';

const [first, second] = process.argv.slice(2);
if (first === '--hash') {
  if (!second || !isApiKeyShaped(second)) {
    console.error('usage: mint-api-key.ts --hash ck_live_<43 characters>');
    process.exit(2);
  }
  console.log(hashApiKey(second));
} else {
  if (first !== undefined && !/^[A-Za-z0-9._~-]{3,128}$/.test(first)) {
    console.error('usage: mint-api-key.ts [partner-client-id] | --hash <key>');
    process.exit(2);
  }
  const key = generateApiKey();
  console.log(`API key (shown once; give it to the partner, it is stored nowhere): ${key}`);
  console.log('');
  console.log('gateway.config.yaml, under the partner (keep the old hash until the partner has switched):');
  console.log('security:');
  console.log('  partners:');
  console.log(`    - clientId: ${first ?? '<partner>'}`);
  console.log('      apiKeys:');
  console.log(`        - '${hashApiKey(key)}'`);
}
