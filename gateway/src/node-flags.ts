/**
 * The Node.js flags every gateway process runs with. `npm start`, `npm run gateway` and the gateway
 * workspace's start scripts (the built one too) carry them, node-flags.test.ts keeps those scripts in
 * step with this list, the README's production command shows them, cluster workers inherit them from
 * the primary, and the benchmark starts its gateways with them, so the bench measures what ships.
 *
 * `--max-semi-space-size=32` (MiB; V8's default maximum is 16): a proxied request through the full
 * chain allocates about 65 KB, almost all of it dead by the response, and at a few thousand requests
 * a second a 16 MiB young generation is scavenged every few milliseconds, promoting whatever is
 * still in flight (50 concurrent requests' contexts, buffers and promises) into the old generation.
 * A larger young generation halves the scavenges and lets in-flight objects die young. Measured in
 * interleaved rounds on the full chain: about 5% less CPU per request for about 35 MB more RSS.
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=32'] as const;
