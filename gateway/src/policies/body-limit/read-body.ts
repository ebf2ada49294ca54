import type { Context } from 'hono';
import type { GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { requestHeader } from '../../request-headers.ts';

function tooLarge(limit: number): GatewayError {
  return new GatewayError('PAYLOAD_TOO_LARGE', 413, `The request body is larger than the ${limit} bytes this operation accepts.`, {
    extensions: { limit_bytes: limit },
  });
}

/**
 * The request body, read once and capped at the route's limit; every step that needs it (idempotency
 * fingerprint, validation, the proxy) calls this and gets the same bytes. null when there is none.
 * A body without Content-Length is counted while it streams, so a lying client cannot exceed the cap.
 */
export async function readRequestBody(c: Context<GatewayEnv>): Promise<Uint8Array | null> {
  const cached = c.get('requestBody');
  if (cached !== undefined) return cached;
  const limit = c.get('route').policies.bodyLimitBytes;
  const length = requestHeader(c, 'content-length');
  if (length !== undefined && Number(length) > limit) throw tooLarge(limit);
  if (length === '0') {
    c.set('requestBody', null);
    return null;
  }
  const stream = c.req.raw.body;
  if (!stream) {
    c.set('requestBody', null);
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  let body: Uint8Array | null;
  if (size === 0) body = null;
  else if (chunks.length === 1) body = chunks[0]!;
  else {
    body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  c.set('requestBody', body);
  return body;
}
