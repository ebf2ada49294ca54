/**
 * Refuses a body larger than the operation's limit (413) before anything else reads it: by its
 * declared Content-Length at once, otherwise while reading it (readRequestBody).
 */
import type { createGatewayFactory } from '../../env.ts';
import { readRequestBody } from './read-body.ts';

export function bodyLimit(factory: ReturnType<typeof createGatewayFactory>) {
  return factory.createMiddleware(async function bodyLimit(c, next) {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') await readRequestBody(c);
    return next();
  });
}
