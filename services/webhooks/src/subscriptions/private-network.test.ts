import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWebhookSender } from '../dispatcher/send.ts';
import { endpointUrlProblem } from './endpoint-url.ts';
import { createPrivateNetworkGuard } from './private-network.ts';

describe('the private-network guard (SSRF)', () => {
  const guard = createPrivateNetworkGuard();

  it('knows private, loopback, link-local and metadata addresses from public ones', () => {
    for (const a of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '[::1]',
    ]) {
      expect(guard.isPrivate(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'partner.example'])
      expect(guard.isPrivate(a), a).toBe(false);
  });

  it('refuses private endpoints at registration when blocking', () => {
    const policy = { production: true, blockPrivateNetworks: true };
    expect(endpointUrlProblem('https://10.0.0.5/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://169.254.169.254/latest/meta-data', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://localhost/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://[::1]/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://partner.example/hook', policy)).toBeUndefined();
    expect(endpointUrlProblem('https://10.0.0.5/hook', { production: false })).toBeUndefined();
  });

  it('refuses to connect when a name resolves to a private address, and connects when not blocking', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = { url: `http://localhost:${port}/hook`, messageId: 'msg_1', body: '{}', keys: [Buffer.alloc(32, 1)] };
    const guarded = createWebhookSender({ timeoutMs: 2000, connections: 1, blockPrivateNetworks: true });
    const open = createWebhookSender({ timeoutMs: 2000, connections: 1 });
    try {
      const refused = await guarded.send(request);
      expect(refused.outcome).toBe('network_error');
      expect(refused.error).toMatch(/private or internal/);
      expect(received).toBe(0);
      expect((await open.send(request)).outcome).toBe('succeeded');
      expect(received).toBe(1);
    } finally {
      await guarded.close();
      await open.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
