import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { GatewayEnv } from '../env.ts';
import type { Principal } from '../policies/principal-variables.ts';
import { compileAllowList, PARTNER_HEADER, SCOPES_HEADER, upstreamRequestHeaders } from './forward-headers.ts';

async function headersSent(principal: Principal | undefined, clientHeaders: Record<string, string>, extraAllowed: string[] = []) {
  const app = new Hono<GatewayEnv>();
  app.get('/x', (c) => {
    c.set('principal', principal);
    c.set('requestId', 'req_1');
    c.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    return c.json(upstreamRequestHeaders(c, { allow: compileAllowList(extraAllowed), acceptEncoding: false }));
  });
  const res = await app.request('/x', { headers: clientHeaders });
  return (await res.json()) as Record<string, string>;
}

describe('partner identity to upstreams', () => {
  it('forwards the authenticated client id as x-concord-partner, replacing whatever the client sent', async () => {
    const sent = await headersSent({ clientId: 'acme', scopes: new Set() }, { [PARTNER_HEADER]: 'evil' });
    expect(sent[PARTNER_HEADER]).toBe('acme');
  });

  it('never forwards a client-supplied x-concord-partner, even when an allow-list names it', async () => {
    expect((await headersSent(undefined, { [PARTNER_HEADER]: 'evil' }, [PARTNER_HEADER]))[PARTNER_HEADER]).toBeUndefined();
  });

  it('forwards the token scopes as x-concord-scopes (how services learn the internal scope), never a client value', async () => {
    const sent = await headersSent({ clientId: 'backoffice', scopes: new Set(['orders:read', 'internal']) }, { [SCOPES_HEADER]: 'evil' });
    expect(sent[SCOPES_HEADER]).toBe('orders:read internal');
    expect((await headersSent(undefined, { [SCOPES_HEADER]: 'internal' }, [SCOPES_HEADER]))[SCOPES_HEADER]).toBeUndefined();
  });
});
