/**
 * The peer of the benchmark: what a Node.js team assembles instead of a gateway, from the parts most
 * teams reach for. fastify with its default request logging, @fastify/jwt (fast-jwt, verified-token
 * cache on) verifying ES256 bearer tokens against a JWKS, a scope check per route,
 * @fastify/rate-limit per client (in memory) and @fastify/http-proxy (undici) to the upstream.
 * The bench's `fastify_peer` scenario: the gap from `node_proxy` to it is what such an assembly
 * costs, the gap from it to `full_chain` is what Concord's chain costs beyond that.
 *
 * It serves what the full_chain scenario requests: GET /v2/customers/{id} with `customers:read`,
 * proxied to GET /customers/{id} of the upstream.
 *
 *   node --import tsx test/bench/fastify-peer.ts --upstream <url> --jwks <url> --issuer <iss> --audience <aud> [--rate-limit <n>]
 *
 * (run.ts runs it bundled, as it runs the gateway.)
 *
 * Prints one JSON line `{"ready":true,"url":...}` on stdout once it listens. Its log goes to
 * BENCH_LOG_FILE (default /dev/null), as the gateway's access log does in the bench.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import httpProxy from '@fastify/http-proxy';
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { bufferedDestination } from '@concord/gateway/src/observability/logger.ts';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { client_id?: string; sub?: string; scope?: string };
  }
}
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route requires, checked once the token is verified. */
    scope?: string;
  }
}

interface FastifyPeerOptions {
  upstream: string;
  /** kid -> public key (PEM) of the issuer's JWKS. */
  keys: ReadonlyMap<string, string>;
  issuer: string;
  audience: string;
  /** Requests per client per hour. */
  rateLimit: number;
  logFile: string;
}

/** The issuer's published keys, fetched once: a bench run is far shorter than a signing key's life. */
async function fetchJwksKeys(jwksUrl: string): Promise<Map<string, string>> {
  const res = await fetch(jwksUrl);
  if (!res.ok) throw new Error(`JWKS ${jwksUrl} answered ${res.status}`);
  const { keys } = (await res.json()) as { keys: (JsonWebKey & { kid?: string })[] };
  const byKid = new Map<string, string>();
  for (const jwk of keys) {
    if (!jwk.kid) continue;
    byKid.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString());
  }
  if (byKid.size === 0) throw new Error(`JWKS ${jwksUrl} has no key with a kid`);
  return byKid;
}

/** 401 as @fastify/jwt answers its own failures; a plain Error would be a 500. */
function unknownKey(kid: unknown): Error {
  return Object.assign(new Error(`Authorization token is invalid: no key ${String(kid)} in the JWKS`), { statusCode: 401 });
}

async function buildFastifyPeer(options: FastifyPeerOptions): Promise<FastifyInstance> {
  // The same buffered destination the gateway's access log writes through in the bench, so neither
  // side pays a synchronous write per line the other does not.
  const app = Fastify({ logger: { level: 'info', stream: bufferedDestination(options.logFile) }, keepAliveTimeout: 65_000 });

  await app.register(fastifyJwt, {
    // A function of the token's kid, as with a rotating issuer; @fastify/jwt keeps one fast-jwt
    // verifier (and so one verified-token cache) per key it returns.
    secret: async (_request: FastifyRequest, token: TokenOrHeader) => {
      const kid = 'header' in token ? token.header.kid : token.kid;
      const key = kid === undefined ? undefined : options.keys.get(kid);
      if (!key) throw unknownKey(kid);
      return key;
    },
    // What the gateway checks (security.auth): algorithm, issuer, audience, an expiry, 30 s of clock
    // tolerance, and a cache of verified tokens of the gateway's default size.
    verify: {
      algorithms: ['ES256'],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      requiredClaims: ['exp'],
      clockTolerance: 30_000,
      cache: 10_000,
    },
    // The secret function is given the decoded token: complete, so it sees the header's kid.
    decode: { complete: true },
  });

  app.addHook('onRequest', async (request, reply) => {
    await request.jwtVerify();
    const required = request.routeOptions.config.scope;
    if (required && !(request.user.scope ?? '').split(' ').includes(required)) {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `This route requires the scope ${required}` });
    }
  });

  // After authentication (preHandler), so the limit is per client, not per IP.
  await app.register(rateLimit, {
    max: options.rateLimit,
    timeWindow: 3_600_000,
    hook: 'preHandler',
    keyGenerator: (request) => request.user.client_id ?? request.user.sub ?? request.ip,
  });

  await app.register(httpProxy, {
    upstream: options.upstream,
    prefix: '/v2/customers',
    rewritePrefix: '/customers',
    httpMethods: ['GET'],
    config: { scope: 'customers:read' },
    // As many keep-alive connections to the upstream as the gateway's pool and the bare Node proxy.
    undici: { connections: 64, pipelining: 1 },
  });
  return app;
}

const { values: args } = parseArgs({
  options: {
    upstream: { type: 'string' },
    jwks: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    'rate-limit': { type: 'string', default: '1000000000' },
  },
});
if (!args.upstream || !args.jwks || !args.issuer || !args.audience) {
  console.error('usage: fastify-peer.ts --upstream <url> --jwks <url> --issuer <iss> --audience <aud> [--rate-limit <n>]');
  process.exit(2);
}

const app = await buildFastifyPeer({
  upstream: args.upstream,
  keys: await fetchJwksKeys(args.jwks),
  issuer: args.issuer,
  audience: args.audience,
  rateLimit: Number(args['rate-limit']),
  logFile: process.env.BENCH_LOG_FILE ?? '/dev/null',
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, pid: process.pid })}\n`,
);
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
